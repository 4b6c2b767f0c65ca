/** Every Kafka header Switchyard writes, in one place. Values are UTF-8 text. */
export const Headers = {
  /** Unique id of the message; the inbox deduplicates on it. */
  messageId: 'switchyard-message-id',
  /** Event type, for tools that do not decode Avro (kcat, the DLQ viewer). */
  eventType: 'switchyard-event-type',
  /** When `outbox.add` was called, epoch milliseconds. */
  createdAt: 'switchyard-created-at',
  /** W3C trace context. */
  traceparent: 'traceparent',
  tracestate: 'tracestate',
} as const;

/** Headers added to a message copied to `<topic>.dlq`. */
export const DeadLetterHeaders = {
  /** Machine-readable why: see DeadLetterReason. */
  reason: 'switchyard-dlq-reason',
  /** The error's message, for people. */
  error: 'switchyard-dlq-error',
  /** The error's class name (FatalError, RetriableError, TypeError, ...). */
  errorType: 'switchyard-dlq-error-type',
  stack: 'switchyard-dlq-stack',
  originalTopic: 'switchyard-dlq-original-topic',
  originalPartition: 'switchyard-dlq-original-partition',
  originalOffset: 'switchyard-dlq-original-offset',
  originalKey: 'switchyard-dlq-original-key',
  attempts: 'switchyard-dlq-attempts',
  consumerGroup: 'switchyard-dlq-consumer-group',
  failedAt: 'switchyard-dlq-failed-at',
} as const;

/**
 * Why a message went to the DLQ:
 * - `malformed:<reason>`: the bytes are not a readable event (reason from the contracts' MalformedMessageError:
 *   not-single-object-encoding, unknown-fingerprint, truncated, invalid-body), or `malformed:no-value` for a tombstone;
 * - `fatal-error`: the handler threw a FatalError;
 * - `retries-exhausted`: the handler kept failing for every allowed attempt;
 * - `no-handler`: no handler in this consumer group takes the event type.
 */
export type DeadLetterReason = `malformed:${string}` | 'fatal-error' | 'retries-exhausted' | 'no-handler';

// Kafka headers travel in every fetch: a deep stack is cut rather than bloating the DLQ record.
export const MAX_HEADER_TEXT = 8_192;

export function clip(text: string, max = MAX_HEADER_TEXT): string {
  return text.length <= max ? text : `${text.slice(0, max - 15)}… [truncated]`;
}
