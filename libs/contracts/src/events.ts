import { EventPayloads, EventPayloadVersions } from './generated/types';

/** The name of every event in the contracts. */
export type EventType = keyof EventPayloads;

/** The latest payload of event `T`. */
export type EventPayload<T extends EventType> = EventPayloads[T];

/** One event as plain data: its type and its (latest-version) payload. */
export interface EventOf<T extends EventType> {
  readonly type: T;
  readonly payload: EventPayload<T>;
}

/** Any event, discriminated on `type`. */
export type AnyEvent = { [T in EventType]: EventOf<T> }[EventType];

/** A published version number of event `T`. */
export type EventVersion<T extends EventType> = keyof EventPayloadVersions[T] & number;

/**
 * An event read from the wire: payload resolved to the latest schema; `version` and `fingerprint`
 * say which schema the writer used (fingerprint as 16 hex digits in wire order).
 */
export type DecodedEvent = {
  [T in EventType]: EventOf<T> & { readonly version: number; readonly fingerprint: string };
}[EventType];
