// How Avro logical types look in TypeScript: plain, JSON-safe values, the same in every event.

/** Exact decimal as text, e.g. "12.34"; decoded values carry the schema's full scale, e.g. "12.3400". */
export type Decimal = string;

/** Calendar date as ISO text, "2026-12-01" (Avro `date`). */
export type IsoDate = string;

/** Instant as milliseconds since 1970-01-01T00:00:00Z (Avro `timestamp-millis`). */
export type EpochMillis = number;
