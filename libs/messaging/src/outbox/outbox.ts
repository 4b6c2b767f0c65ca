import { randomUUID } from 'node:crypto';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { AnyEvent, EventCodec } from '@switchyard/contracts';
import { EntityManager } from 'typeorm';
import { MessagingConfigurationError } from '../errors';
import { Headers } from '../headers';
import { OUTBOX_TABLE } from '../migrations';
import { assertTopicName, outboxChannel, quotedSchema } from '../names';
import { injectTraceContext, messagingTracer } from '../tracing/trace-context';

const ROWS_PER_INSERT = 1_000;

/** One event to publish: where, under which key (the aggregate: orderId, sku@location, ...), and what. */
export interface OutgoingEvent<E extends AnyEvent = AnyEvent> {
  readonly topic: string;
  readonly key: string;
  readonly event: E;
}

export interface OutboxOptions {
  /** The service's PostgreSQL schema, holding the messaging_outbox table (see messagingMigration). */
  readonly schema: string;
  readonly codec?: EventCodec;
}

/**
 * Writes outgoing events into the service's outbox table, in the caller's transaction: they are published
 * (by the OutboxRelay) if and only if that transaction commits.
 */
export class Outbox {
  readonly schema: string;
  private readonly table: string;
  private readonly channel: string;
  private readonly codec: EventCodec;

  constructor(options: OutboxOptions) {
    this.schema = options.schema;
    this.table = `${quotedSchema(options.schema)}.${OUTBOX_TABLE}`;
    this.channel = outboxChannel(options.schema);
    this.codec = options.codec ?? new EventCodec();
  }

  /**
   * Encodes the events (an invalid payload throws here, failing the transaction) and inserts them in order.
   * `entityManager` must be a transaction's: `dataSource.transaction(async (em) => { ...; await outbox.add(em, [...]) })`.
   * Returns the message ids, in order.
   */
  async add(entityManager: EntityManager, events: readonly OutgoingEvent[]): Promise<string[]> {
    if (!entityManager.queryRunner?.isTransactionActive) {
      throw new MessagingConfigurationError(
        `outbox.add needs the EntityManager of an open transaction (dataSource.transaction(async (em) => ...)), so the ${events.length} event(s) commit or roll back with the state change; it got one outside a transaction.`,
      );
    }
    if (events.length === 0) return [];
    const ids: string[] = [];
    // PostgreSQL binds at most 65,535 parameters per statement: six per row.
    for (let start = 0; start < events.length; start += ROWS_PER_INSERT) {
      ids.push(...(await this.insert(entityManager, events.slice(start, start + ROWS_PER_INSERT))));
    }
    // Delivered at commit only; wakes the relay at once instead of at its next poll.
    await entityManager.query('SELECT pg_notify($1, $2)', [this.channel, '']);
    return ids;
  }

  private async insert(entityManager: EntityManager, events: readonly OutgoingEvent[]): Promise<string[]> {
    const parameters: unknown[] = [];
    const rows: string[] = [];
    const ids: string[] = [];
    const tracer = messagingTracer();
    for (const { topic, key, event } of events) {
      assertTopicName(topic);
      if (key.length === 0) throw new MessagingConfigurationError(`${event.type} for topic ${topic} has an empty key; key it by its aggregate (orderId, sku@location, ...).`);
      const payload = this.codec.encodeEvent(event);
      const messageId = randomUUID();
      const headers: Record<string, string> = {
        [Headers.messageId]: messageId,
        [Headers.eventType]: event.type,
        [Headers.createdAt]: String(Date.now()),
      };
      // The publish span ends here, at the moment of the decision to publish; the handler's span becomes its child.
      const span = tracer.startSpan(`${topic} publish`, {
        kind: SpanKind.PRODUCER,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'publish',
          'messaging.destination.name': topic,
          'messaging.message.id': messageId,
          'switchyard.event_type': event.type,
        },
      });
      injectTraceContext(trace.setSpan(context.active(), span), headers);
      span.end();
      const n = parameters.length;
      rows.push(`($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}, $${n + 5}, $${n + 6})`);
      parameters.push(messageId, topic, key, event.type, payload, JSON.stringify(headers));
      ids.push(messageId);
    }
    await entityManager.query(
      `INSERT INTO ${this.table} (message_id, topic, message_key, event_type, payload, headers) VALUES ${rows.join(', ')}`,
      parameters,
    );
    return ids;
  }
}
