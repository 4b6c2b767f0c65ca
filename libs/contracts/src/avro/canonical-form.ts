import { AvroSchema, AvroSchemaObject, isNamedTypeObject, primitiveTypes, qualify, resolveReference } from './schema';

/**
 * The schema's Parsing Canonical Form (Avro 1.12 specification, "Parsing Canonical Form for Schemas"):
 * primitives in simple form, full names, only the attributes that matter for parsing, in the spec's
 * order, no white space; a named type is written in full once and by full name after that.
 */
export function parsingCanonicalForm(schema: AvroSchema): string {
  return canonical(schema, '', new Set<string>());
}

function canonical(schema: AvroSchema, namespace: string, defined: Set<string>): string {
  if (typeof schema === 'string') return canonicalName(schema, namespace, defined);
  if (Array.isArray(schema)) return `[${schema.map((branch) => canonical(branch, namespace, defined)).join(',')}]`;
  return canonicalObject(schema as AvroSchemaObject, namespace, defined);
}

function canonicalName(name: string, namespace: string, defined: Set<string>): string {
  if (primitiveTypes.has(name)) return JSON.stringify(name);
  const fullName = resolveReference(name, namespace, defined);
  if (!defined.has(fullName)) throw new Error(`Schema refers to type "${name}", which is not defined before it is used.`);
  return JSON.stringify(fullName);
}

function canonicalObject(schema: AvroSchemaObject, namespace: string, defined: Set<string>): string {
  const { type } = schema;
  if (typeof type !== 'string') return canonical(type, namespace, defined);
  if (type === 'array') return `{"type":"array","items":${canonical(required(schema, 'items'), namespace, defined)}}`;
  if (type === 'map') return `{"type":"map","values":${canonical(required(schema, 'values'), namespace, defined)}}`;
  if (!isNamedTypeObject(schema)) return canonicalName(type, namespace, defined);
  return canonicalNamed(schema, namespace, defined);
}

function canonicalNamed(schema: AvroSchemaObject, enclosing: string, defined: Set<string>): string {
  const name = schema.name;
  if (typeof name !== 'string') throw new Error(`A ${String(schema.type)} schema needs a "name".`);
  const { fullName, namespace } = qualify(name, optionalString(schema, 'namespace'), enclosing);
  if (defined.has(fullName)) return JSON.stringify(fullName);
  // Registered before its fields so that a recursive reference finds it.
  defined.add(fullName);
  const head = `{"name":${JSON.stringify(fullName)},"type":`;
  switch (schema.type) {
    case 'enum':
      return `${head}"enum","symbols":[${stringList(schema, 'symbols').map((symbol) => JSON.stringify(symbol)).join(',')}]}`;
    case 'fixed':
      return `${head}"fixed","size":${canonicalInteger(schema.size)}}`;
    default:
      return `${head}"record","fields":[${fields(schema).map((field) => `{"name":${JSON.stringify(field.name)},"type":${canonical(field.type, namespace, defined)}}`).join(',')}]}`;
  }
}

function fields(schema: AvroSchemaObject): { name: string; type: AvroSchema }[] {
  const list = schema.fields;
  if (!Array.isArray(list)) throw new Error(`Record "${String(schema.name)}" needs a "fields" array.`);
  return list.map((field: { name?: unknown; type?: unknown }) => {
    if (typeof field.name !== 'string' || field.type === undefined) {
      throw new Error(`Record "${String(schema.name)}" has a field without a name or type.`);
    }
    return { name: field.name, type: field.type as AvroSchema };
  });
}

function required(schema: AvroSchemaObject, attribute: 'items' | 'values'): AvroSchema {
  const value = schema[attribute];
  if (value === undefined) throw new Error(`An ${String(schema.type)} schema needs "${attribute}".`);
  return value as AvroSchema;
}

function optionalString(schema: AvroSchemaObject, attribute: string): string | undefined {
  const value = schema[attribute];
  return typeof value === 'string' ? value : undefined;
}

function stringList(schema: AvroSchemaObject, attribute: string): string[] {
  const value = schema[attribute];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new Error(`"${String(schema.name)}" needs "${attribute}" as a list of strings.`);
  }
  return value;
}

// [INTEGERS]: no quotes, no leading zeros.
function canonicalInteger(value: unknown): string {
  const size = typeof value === 'string' ? Number.parseInt(value, 10) : value;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) throw new Error(`Fixed "size" must be a whole number, got ${JSON.stringify(value)}.`);
  return String(size);
}
