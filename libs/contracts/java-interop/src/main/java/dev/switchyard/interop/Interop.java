package dev.switchyard.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Conversions;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.data.TimeConversions;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.SchemaStore;

/**
 * Runs a batch of tasks against the reference Avro implementation, one JVM start for all of them.
 * Request (file named by the first argument): {"schemas": [paths of every published .avsc], "tasks": [...]}, where a task is
 * {"op":"fingerprint","schema":path} | {"op":"decode","reader":path,"message":base64} | {"op":"encode","schema":path,"datum":json}.
 * Prints one JSON result per task, in order. Data as JSON: decimals as plain strings, dates as ISO strings, timestamps as numbers.
 */
public final class Interop {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final GenericData model = new GenericData();
  private final SchemaStore.Cache writers = new SchemaStore.Cache();
  private final Map<String, Schema> schemas = new HashMap<>();

  private Interop(List<String> schemaFiles) throws Exception {
    model.addLogicalTypeConversion(new Conversions.DecimalConversion());
    model.addLogicalTypeConversion(new TimeConversions.DateConversion());
    for (String file : schemaFiles) {
      Schema schema = new Schema.Parser().parse(new File(file));
      schemas.put(file, schema);
      writers.addSchema(schema);
    }
  }

  public static void main(String[] args) throws Exception {
    JsonNode request = JSON.readTree(new File(args[0]));
    List<String> files = new ArrayList<>();
    request.get("schemas").forEach(file -> files.add(file.asText()));
    Interop interop = new Interop(files);
    ArrayNode results = NODES.arrayNode();
    for (JsonNode task : request.get("tasks")) results.add(interop.run(task));
    System.out.println(JSON.writeValueAsString(results));
  }

  private JsonNode run(JsonNode task) {
    ObjectNode result = NODES.objectNode();
    try {
      switch (task.get("op").asText()) {
        case "fingerprint" -> {
          Schema schema = schema(task.get("schema").asText());
          result.put("canonical", SchemaNormalization.toParsingForm(schema));
          result.put("fingerprint", Long.toString(SchemaNormalization.parsingFingerprint64(schema)));
        }
        case "decode" -> {
          BinaryMessageDecoder<GenericRecord> decoder = new BinaryMessageDecoder<>(model, schema(task.get("reader").asText()), writers);
          GenericRecord datum = decoder.decode(Base64.getDecoder().decode(task.get("message").asText()));
          result.set("datum", toJson(datum));
        }
        case "encode" -> {
          Schema schema = schema(task.get("schema").asText());
          GenericRecord datum = (GenericRecord) fromJson(task.get("datum"), schema);
          ByteBuffer message = new BinaryMessageEncoder<GenericRecord>(model, schema).encode(datum);
          byte[] bytes = new byte[message.remaining()];
          message.get(bytes);
          result.put("message", Base64.getEncoder().encodeToString(bytes));
        }
        default -> throw new IllegalArgumentException("unknown op " + task.get("op"));
      }
    } catch (Exception error) {
      result.put("error", error.getClass().getSimpleName() + ": " + error.getMessage());
    }
    return result;
  }

  private Schema schema(String file) {
    Schema schema = schemas.get(file);
    if (schema == null) throw new IllegalArgumentException("schema not listed in the request: " + file);
    return schema;
  }

  private static JsonNode toJson(Object datum) {
    if (datum == null) return NODES.nullNode();
    if (datum instanceof GenericRecord record) {
      ObjectNode object = NODES.objectNode();
      for (Schema.Field field : record.getSchema().getFields()) object.set(field.name(), toJson(record.get(field.name())));
      return object;
    }
    if (datum instanceof Collection<?> items) {
      ArrayNode array = NODES.arrayNode();
      items.forEach(item -> array.add(toJson(item)));
      return array;
    }
    if (datum instanceof Map<?, ?> map) {
      ObjectNode object = NODES.objectNode();
      map.forEach((key, value) -> object.set(key.toString(), toJson(value)));
      return object;
    }
    if (datum instanceof BigDecimal decimal) return NODES.textNode(decimal.toPlainString());
    if (datum instanceof Integer number) return NODES.numberNode(number);
    if (datum instanceof Long number) return NODES.numberNode(number);
    if (datum instanceof Float number) return NODES.numberNode(number);
    if (datum instanceof Double number) return NODES.numberNode(number);
    if (datum instanceof Boolean bool) return NODES.booleanNode(bool);
    if (datum instanceof ByteBuffer bytes) return NODES.textNode(Base64.getEncoder().encodeToString(bytes.array()));
    if (datum instanceof CharSequence || datum instanceof GenericEnumSymbol<?> || datum instanceof LocalDate) return NODES.textNode(datum.toString());
    throw new IllegalArgumentException("cannot show " + datum.getClass().getName() + " as JSON");
  }

  private static Object fromJson(JsonNode node, Schema schema) {
    switch (schema.getType()) {
      case NULL: return null;
      case BOOLEAN: return node.booleanValue();
      case INT: return schema.getLogicalType() instanceof LogicalTypes.Date ? LocalDate.parse(node.asText()) : node.intValue();
      case LONG: return node.longValue();
      case FLOAT: return node.floatValue();
      case DOUBLE: return node.doubleValue();
      case STRING: return node.asText();
      case BYTES:
        if (schema.getLogicalType() instanceof LogicalTypes.Decimal decimal) {
          // setScale without rounding: an amount that does not fit the schema's scale is an error, never rounded.
          return new BigDecimal(node.asText()).setScale(decimal.getScale());
        }
        return ByteBuffer.wrap(Base64.getDecoder().decode(node.asText()));
      case ENUM: return new GenericData.EnumSymbol(schema, node.asText());
      case ARRAY: {
        List<Object> items = new ArrayList<>();
        node.forEach(item -> items.add(fromJson(item, schema.getElementType())));
        return new GenericData.Array<>(schema, items);
      }
      case MAP: {
        Map<String, Object> map = new HashMap<>();
        node.fields().forEachRemaining(entry -> map.put(entry.getKey(), fromJson(entry.getValue(), schema.getValueType())));
        return map;
      }
      case UNION: {
        Schema branch = schema.getTypes().stream()
            .filter(type -> (type.getType() == Schema.Type.NULL) == (node == null || node.isNull()))
            .findFirst().orElseThrow(() -> new IllegalArgumentException("no union branch of " + schema + " for " + node));
        return fromJson(node, branch);
      }
      case RECORD: {
        GenericData.Record record = new GenericData.Record(schema);
        for (Schema.Field field : schema.getFields()) {
          JsonNode value = node.get(field.name());
          if (value == null) throw new IllegalArgumentException(schema.getName() + "." + field.name() + " is missing");
          record.put(field.name(), fromJson(value, field.schema()));
        }
        return record;
      }
      default: throw new IllegalArgumentException("unsupported type " + schema.getType());
    }
  }
}
