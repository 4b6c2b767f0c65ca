// Public API of @switchyard/contracts: event types generated from schemas/, and the codec that writes and reads them.
export { EventCodec, SINGLE_OBJECT_HEADER_LENGTH, SINGLE_OBJECT_MAGIC } from './codec';
export { InvalidEventError, MalformedMessageError, UnknownEventTypeError } from './errors';
export type { MalformedReason, PayloadProblem } from './errors';
export type { AnyEvent, DecodedEvent, EventOf, EventPayload, EventType, EventVersion } from './events';
export { eventTypes, isEventType, SchemaRegistry } from './registry';
export { eventRoute, keyOf, topicOf } from './topics';
export type { EventRoute } from './topics';
export type { SchemaVersion } from './registry';
export { parsingCanonicalForm } from './avro/canonical-form';
export { fingerprint64, fingerprintBytes, fingerprintHex } from './avro/fingerprint';
export type { AvroSchema, AvroSchemaObject } from './avro/schema';
export type { Decimal, EpochMillis, IsoDate } from './scalars';
export * from './generated/types';
