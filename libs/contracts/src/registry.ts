import { Type } from 'avsc';
import { fingerprint64, fingerprintBytes } from './avro/fingerprint';
import { logicalTypes } from './avro/logical-types';
import { AvroSchemaObject } from './avro/schema';
import { UnknownEventTypeError } from './errors';
import { EventType } from './events';
import { eventSchemas } from './generated/schemas';

/** One published schema version of one event, ready to read and write. */
export interface SchemaVersion {
  readonly eventType: EventType;
  readonly version: number;
  readonly schema: AvroSchemaObject;
  readonly type: Type;
  /** CRC-64-AVRO of the Parsing Canonical Form, unsigned. */
  readonly fingerprint: bigint;
  /** 16 hex digits in wire order (little-endian). */
  readonly fingerprintHex: string;
  /** Reads bytes written with this version as the latest version; undefined for the latest itself. */
  readonly toLatest?: ReturnType<Type['createResolver']>;
}

export const eventTypes = Object.keys(eventSchemas).sort() as EventType[];

export function isEventType(name: string): name is EventType {
  return Object.prototype.hasOwnProperty.call(eventSchemas, name);
}

/** Parses an Avro schema the way the contracts read and write it: decimals and dates as strings, optional values unwrapped, records as plain objects. */
export function parseAvroType(schema: AvroSchemaObject): Type {
  // assertLogicalTypes: a broken decimal must fail here, not silently turn into Buffers the generated types do not promise.
  return Type.forSchema(schema as never, { logicalTypes, wrapUnions: 'never', omitRecordMethods: true, assertLogicalTypes: true });
}

/** Every schema version of every event, by type and by fingerprint. Built from the embedded schemas: no I/O. */
export class SchemaRegistry {
  private readonly byType = new Map<EventType, readonly SchemaVersion[]>();
  private readonly byFingerprint = new Map<string, SchemaVersion>();

  constructor() {
    for (const eventType of eventTypes) {
      const versions = buildVersions(eventType, eventSchemas[eventType]);
      this.byType.set(eventType, versions);
      for (const version of versions) this.byFingerprint.set(version.fingerprintHex, version);
    }
  }

  versions(eventType: string): readonly SchemaVersion[] {
    if (!isEventType(eventType)) throw new UnknownEventTypeError(eventType, eventTypes);
    return this.byType.get(eventType) as readonly SchemaVersion[];
  }

  latest(eventType: string): SchemaVersion {
    const versions = this.versions(eventType);
    return versions[versions.length - 1];
  }

  /** The version whose fingerprint is `fingerprintHex` (wire order), if any. */
  byWireFingerprint(fingerprintHex: string): SchemaVersion | undefined {
    return this.byFingerprint.get(fingerprintHex);
  }

  all(): SchemaVersion[] {
    return eventTypes.flatMap((eventType) => [...this.versions(eventType)]);
  }
}

function buildVersions(eventType: EventType, schemas: readonly AvroSchemaObject[]): SchemaVersion[] {
  const types = schemas.map(parseAvroType);
  const latest = types[types.length - 1];
  return schemas.map((schema, index) => {
    const fingerprint = fingerprint64(schema);
    const isLatest = index === schemas.length - 1;
    return {
      eventType,
      version: index + 1,
      schema,
      type: types[index],
      fingerprint,
      fingerprintHex: fingerprintBytes(fingerprint).toString('hex'),
      toLatest: isLatest ? undefined : resolverToLatest(eventType, index + 1, types[index], latest),
    };
  });
}

function resolverToLatest(eventType: EventType, version: number, writer: Type, latest: Type): ReturnType<Type['createResolver']> {
  try {
    return latest.createResolver(writer);
  } catch (error) {
    throw new Error(`${eventType} v${version} cannot be read by its latest version: ${(error as Error).message}. See the compatibility rule in schemas/README.md.`);
  }
}
