import { Type } from 'avsc';
import { InvalidEventError, MalformedMessageError } from './errors';
import { AnyEvent, DecodedEvent, EventPayload, EventType, EventVersion } from './events';
import { EventPayloadVersions } from './generated/types';
import { SchemaRegistry, SchemaVersion } from './registry';
import { findProblems } from './validation';

/** The two marker bytes that open every Avro single-object encoded message. */
export const SINGLE_OBJECT_MAGIC = Buffer.from([0xc3, 0x01]);
/** Marker plus the 8-byte fingerprint. */
export const SINGLE_OBJECT_HEADER_LENGTH = 10;

/**
 * Writes and reads events as Avro single-object encoding: `C3 01`, the writer schema's CRC-64-AVRO
 * fingerprint (8 bytes, little-endian), the Avro binary body. Readers resolve every published writer
 * version to the latest one, so any version on the wire decodes into today's types.
 */
export class EventCodec {
  constructor(readonly registry: SchemaRegistry = new SchemaRegistry()) {}

  /** Encodes with the latest schema of `type`; throws InvalidEventError naming each wrong field. */
  encode<T extends EventType>(type: T, payload: EventPayload<T>): Buffer {
    return write(this.registry.latest(type), payload);
  }

  /** `encode` for an event held as a discriminated union. */
  encodeEvent(event: AnyEvent): Buffer {
    return write(this.registry.latest(event.type), event.payload);
  }

  /** Encodes with an older published schema, as a producer not yet upgraded would. */
  encodeVersion<T extends EventType, V extends EventVersion<T>>(type: T, version: V, payload: EventPayloadVersions[T][V]): Buffer {
    const schema = this.registry.versions(type)[version - 1];
    if (!schema) throw new RangeError(`${type} has no version ${version}; published: 1 to ${this.registry.versions(type).length}.`);
    return write(schema, payload);
  }

  /** Reads one message; throws MalformedMessageError with a `reason` when the bytes are not a known event. */
  decode(bytes: Buffer): DecodedEvent {
    const writer = this.readHeader(bytes);
    const payload = readBody(writer, bytes.subarray(SINGLE_OBJECT_HEADER_LENGTH), this.registry.latest(writer.eventType).type);
    return { type: writer.eventType, version: writer.version, fingerprint: writer.fingerprintHex, payload } as DecodedEvent;
  }

  private readHeader(bytes: Buffer): SchemaVersion {
    if (bytes.length >= 2 && !bytes.subarray(0, 2).equals(SINGLE_OBJECT_MAGIC)) {
      throw new MalformedMessageError(
        'not-single-object-encoding',
        `Message does not start with the Avro single-object marker C3 01 (starts with ${hex(bytes.subarray(0, 2))}); it was not written by an Avro single-object encoder.`,
      );
    }
    if (bytes.length < SINGLE_OBJECT_HEADER_LENGTH) {
      throw new MalformedMessageError('truncated', `Message is ${bytes.length} bytes long; a single-object header alone is ${SINGLE_OBJECT_HEADER_LENGTH} (C3 01 + 8-byte fingerprint).`);
    }
    const fingerprint = hex(bytes.subarray(2, SINGLE_OBJECT_HEADER_LENGTH));
    const writer = this.registry.byWireFingerprint(fingerprint);
    if (!writer) {
      throw new MalformedMessageError(
        'unknown-fingerprint',
        `No published event schema has fingerprint ${fingerprint}. The writer used a schema missing from schemas/: add it there (a new version), regenerate, and upgrade this reader.`,
        fingerprint,
      );
    }
    return writer;
  }
}

function write(schema: SchemaVersion, payload: unknown): Buffer {
  const problems = findProblems(schema.type, payload);
  if (problems.length > 0) throw new InvalidEventError(schema.eventType, problems);
  const header = Buffer.alloc(SINGLE_OBJECT_HEADER_LENGTH);
  SINGLE_OBJECT_MAGIC.copy(header);
  header.write(schema.fingerprintHex, 2, 'hex');
  return Buffer.concat([header, schema.type.toBuffer(payload)]);
}

function readBody(writer: SchemaVersion, body: Buffer, latest: Type): unknown {
  try {
    return writer.toLatest ? latest.fromBuffer(body, writer.toLatest) : latest.fromBuffer(body);
  } catch (error) {
    const detail = (error as Error).message;
    const truncated = /truncated/i.test(detail);
    throw new MalformedMessageError(
      truncated ? 'truncated' : 'invalid-body',
      `${writer.eventType} v${writer.version} (fingerprint ${writer.fingerprintHex}): the body ${truncated ? 'ends early' : 'is not valid Avro for this schema'} (${detail}).`,
      writer.fingerprintHex,
    );
  }
}

function hex(bytes: Buffer): string {
  return bytes.toString('hex');
}
