import { MessagingConfigurationError } from './errors';

// Schema names go into SQL text (identifiers cannot be bound as parameters), so only this strict shape is let in.
// 40 characters leaves room for the LISTEN channel name built from it within PostgreSQL's 63.
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,39}$/;
// Kafka's own rule, with room for the ".dlq" suffix.
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,245}$/;

export const DLQ_SUFFIX = '.dlq';

/** Throws unless `schema` is a plain lower-case identifier; returns it double-quoted for SQL. */
export function quotedSchema(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) {
    throw new MessagingConfigurationError(
      `Schema name "${schema}" is not allowed: use 1 to 40 lower-case letters, digits and _, starting with a letter or _ (e.g. "inventory").`,
    );
  }
  return `"${schema}"`;
}

export function assertTopicName(topic: string): void {
  if (!TOPIC_NAME.test(topic) || topic === '.' || topic === '..') {
    throw new MessagingConfigurationError(
      `Topic name "${topic}" is not allowed: use 1 to 245 characters among a-z A-Z 0-9 . _ - (e.g. "orders.lifecycle").`,
    );
  }
}

export function deadLetterTopic(topic: string): string {
  return `${topic}${DLQ_SUFFIX}`;
}

/** The LISTEN/NOTIFY channel on which `outbox.add` wakes the schema's relay. */
export function outboxChannel(schema: string): string {
  quotedSchema(schema);
  return `switchyard_outbox_${schema}`;
}
