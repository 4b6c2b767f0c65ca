import { SpanKind, trace } from '@opentelemetry/api';
import { DecodedEvent, EventCodec, EventType, MalformedMessageError } from '@switchyard/contracts';
import { DataSource, EntityManager } from 'typeorm';
import { FatalError, isDatabaseUnavailable, MessagingConfigurationError } from '../errors';
import { DeadLetterReason, Headers } from '../headers';
import { Inbox } from '../inbox/inbox';
import { LogFields, MessagingLogger, silentLogger } from '../logger';
import { assertTopicName, deadLetterTopic } from '../names';
import { Outbox, OutgoingEvent } from '../outbox/outbox';
import { backoffDelay, retryPolicy, RetryPolicy, sleep } from '../retry';
import { ensureTopics, TopicSettings } from '../topics';
import { extractTraceContext, inSpan, messagingTracer, traceIdOf } from '../tracing/trace-context';
import { ConsumedBatch, ConsumedMessage, Transport, TransportConsumer, TransportProducer } from '../transport/transport';
import { deadLetterRecord } from './dead-letter';

/** An event as a handler receives it: decoded, resolved to today's schema, with the writer's version. */
export type ReceivedEvent<T extends EventType = EventType> = Extract<DecodedEvent, { type: T }>;

/** Where a message came from and how often it was tried. No payload: that is the event. */
export interface MessageMetadata {
  readonly messageId: string;
  readonly eventType: EventType;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly headers: Readonly<Record<string, string>>;
  /** When the broker appended it (or the producer sent it), epoch milliseconds. */
  readonly timestamp: number;
  readonly groupId: string;
  /** 1 on the first try. */
  readonly attempt: number;
  readonly traceId?: string;
}

/** The outbox, bound to the handler's transaction. */
export interface TransactionalOutbox {
  /** Events to publish if and only if the handler's transaction commits. */
  add(events: readonly OutgoingEvent[]): Promise<string[]>;
}

/** What a handler gets beside the event: its transaction, the outbox in it, and where the message came from. */
export interface MessageContext {
  /** The transaction that also records the message in the inbox: write the handler's effect through it. */
  readonly entityManager: EntityManager;
  readonly outbox: TransactionalOutbox;
  readonly message: MessageMetadata;
}

export type EventHandler<T extends EventType = EventType> = (event: ReceivedEvent<T>, context: MessageContext) => Promise<void> | void;

/** One handler per event type this consumer group takes. */
export type EventHandlers = { readonly [T in EventType]?: EventHandler<T> };

export interface EventConsumerOptions {
  readonly transport: Transport;
  /** The service's DataSource; each message is applied in a transaction of its own. */
  readonly dataSource: DataSource;
  /** The service's schema (inbox and outbox tables; see messagingMigration). */
  readonly schema: string;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly handlers: EventHandlers;
  readonly codec?: EventCodec;
  readonly retry?: Partial<RetryPolicy>;
  /** An event type with no handler: dead-letter it (default; nothing is silently dropped), or skip it (a shared topic). */
  readonly unhandledEvents?: 'dead-letter' | 'ignore';
  /** Where a new group starts: the beginning (default) so that nothing published before its first start is missed. */
  readonly fromBeginning?: boolean;
  /** When set, start() creates the topics and their `.dlq` topics that do not exist yet. */
  readonly createTopics?: TopicSettings;
  readonly partitionsConsumedConcurrently?: number;
  readonly logger?: MessagingLogger;
}

type Outcome = 'applied' | 'duplicate' | 'ignored' | 'dead-lettered' | 'interrupted';

/**
 * Consumes topics as a consumer group and applies each message exactly once in effect: inbox record, handler
 * and outgoing events commit in one transaction; the offset is committed only after it. Failures are
 * retried with backoff and then dead-lettered to `<topic>.dlq`, so one bad message never blocks its partition.
 */
export class EventConsumer {
  private readonly codec: EventCodec;
  private readonly inbox: Inbox;
  private readonly outbox: Outbox;
  private readonly retry: RetryPolicy;
  private readonly logger: MessagingLogger;
  private consumer: TransportConsumer | undefined;
  private producer: TransportProducer | undefined;
  private readonly counts = { applied: 0, duplicate: 0, ignored: 0, 'dead-lettered': 0, interrupted: 0 };

  constructor(private readonly options: EventConsumerOptions) {
    if (options.topics.length === 0) throw new MessagingConfigurationError(`Consumer group ${options.groupId} has no topics to consume.`);
    options.topics.forEach(assertTopicName);
    this.codec = options.codec ?? new EventCodec();
    this.inbox = new Inbox(options.schema);
    this.outbox = new Outbox({ schema: options.schema, codec: this.codec });
    this.retry = retryPolicy(options.retry);
    this.logger = options.logger ?? silentLogger;
  }

  /** Messages by outcome since start, for tests and health checks. */
  get stats(): Readonly<Record<Outcome, number>> {
    return { ...this.counts };
  }

  async start(): Promise<void> {
    if (this.consumer) return;
    const { transport, groupId, topics } = this.options;
    if (this.options.createTopics) await ensureTopics(transport, topics, this.options.createTopics);
    const producer = transport.producer();
    const consumer = transport.consumer({ groupId, partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently });
    try {
      await producer.connect();
      this.producer = producer;
      await consumer.connect();
      await consumer.subscribe({ topics, fromBeginning: this.options.fromBeginning ?? true });
      await consumer.run({ eachBatch: (batch) => this.consumeBatch(batch) });
    } catch (error) {
      this.producer = undefined;
      await consumer.disconnect().catch(() => undefined);
      await producer.disconnect().catch(() => undefined);
      throw error;
    }
    this.consumer = consumer;
    this.logger.info('consumer started', { groupId, topics: topics.join(',') });
  }

  /** Stops fetching, lets the message in progress finish and commits it, then disconnects. */
  async stop(): Promise<void> {
    const consumer = this.consumer;
    if (!consumer) return;
    this.consumer = undefined;
    await consumer.disconnect();
    await this.producer?.disconnect();
    this.producer = undefined;
    this.logger.info('consumer stopped', { groupId: this.options.groupId, ...this.counts });
  }

  private async consumeBatch(batch: ConsumedBatch): Promise<void> {
    try {
      for (const message of batch.messages) {
        if (!batch.isRunning() || batch.isStale()) break;
        const outcome = await this.consumeMessage(message, batch);
        this.counts[outcome]++;
        if (outcome === 'interrupted') break;
        batch.markProcessed(message);
        await batch.heartbeat();
      }
    } finally {
      // Whatever was applied is committed, also when stopping or when the rest of the batch failed.
      await batch.commit();
    }
  }

  private async consumeMessage(message: ConsumedMessage, batch: ConsumedBatch): Promise<Outcome> {
    const where = this.where(message);
    if (message.value === null) {
      return this.deadLetter(message, 'malformed:no-value', new Error(`${describe(message)} has no value (a tombstone); Switchyard topics carry events only.`), 0, batch);
    }
    let event: DecodedEvent;
    try {
      event = this.codec.decode(message.value);
    } catch (error) {
      const reason = error instanceof MalformedMessageError ? error.reason : 'invalid-body';
      const fingerprint = error instanceof MalformedMessageError ? error.fingerprint : undefined;
      const described = new MalformedMessageError(reason, `${describe(message)} cannot be decoded: ${(error as Error).message}`, fingerprint);
      return this.deadLetter(message, `malformed:${reason}`, described, 0, batch);
    }
    const messageId = message.headers[Headers.messageId] ?? event.payload.metadata.eventId ?? `${message.topic}/${message.partition}/${message.offset}`;
    const handler = this.options.handlers[event.type] as EventHandler | undefined;
    if (!handler) {
      if (this.options.unhandledEvents === 'ignore') {
        this.logger.debug('no handler for this event type; skipped', { ...where, messageId, eventType: event.type });
        return 'ignored';
      }
      const handled = Object.keys(this.options.handlers).join(', ') || 'none';
      const error = new FatalError(
        `${describe(message)} (message ${messageId}) is a ${event.type}, which consumer group ${this.options.groupId} has no handler for (it handles: ${handled}). Add a handler, or set unhandledEvents: 'ignore' for a shared topic.`,
      );
      return this.deadLetter(message, 'no-handler', error, 0, batch);
    }
    const span = messagingTracer().startSpan(
      `${message.topic} process`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'process',
          'messaging.destination.name': message.topic,
          'messaging.destination.partition.id': String(message.partition),
          'messaging.kafka.offset': Number(message.offset),
          'messaging.consumer.group.name': this.options.groupId,
          'messaging.message.id': messageId,
          'switchyard.event_type': event.type,
        },
      },
      extractTraceContext(message.headers),
    );
    return inSpan(span, () => this.applyWithRetries(message, event, messageId, handler, batch));
  }

  private async applyWithRetries(message: ConsumedMessage, event: DecodedEvent, messageId: string, handler: EventHandler, batch: ConsumedBatch): Promise<Outcome> {
    const fields: LogFields = { ...this.where(message), messageId, eventType: event.type };
    let attempt = 1;
    let infrastructureFailures = 0;
    for (;;) {
      try {
        const applied = await this.apply(message, event, messageId, handler, attempt);
        if (!applied) this.logger.info('duplicate message skipped (already in the inbox)', fields);
        return applied ? 'applied' : 'duplicate';
      } catch (caught) {
        const byHandler = caught instanceof HandlerFailure;
        const error = byHandler ? caught.cause : caught;
        const text = error instanceof Error ? error.message : String(error);
        trace.getActiveSpan()?.addEvent('attempt failed', { attempt, 'error.type': error instanceof Error ? error.name : typeof error, 'error.message': text });
        if (error instanceof FatalError) {
          this.logger.error('handler failed with a FatalError; dead-lettering', { ...fields, attempt, error: text });
          return this.deadLetter(message, 'fatal-error', error, attempt, batch);
        }
        let delay: number;
        if (!byHandler || isDatabaseUnavailable(error)) {
          // Beginning, recording or committing failed, or the database went away under the handler: the message is
          // not at fault, so it keeps its attempts and its partition waits for the database.
          infrastructureFailures++;
          delay = backoffDelay(infrastructureFailures, this.retry.initialBackoffMs, this.retry.maxBackoffMs);
          this.logger.warn(`applying a message failed outside the handler's control; retrying in ${delay} ms`, { ...fields, error: text });
        } else if (attempt >= this.retry.maxAttempts) {
          this.logger.error('handler failed on every attempt; dead-lettering', { ...fields, attempt, error: text });
          return this.deadLetter(message, 'retries-exhausted', error, attempt, batch);
        } else {
          delay = backoffDelay(attempt, this.retry.initialBackoffMs, this.retry.maxBackoffMs);
          this.logger.warn(`handler failed; retrying in ${delay} ms`, { ...fields, attempt, error: text });
          attempt++;
        }
        if (!(await this.pause(delay, batch))) return 'interrupted';
      }
    }
  }

  /** One transaction: inbox record, handler, its outgoing events. False when the inbox already had the message. */
  private async apply(message: ConsumedMessage, event: DecodedEvent, messageId: string, handler: EventHandler, attempt: number): Promise<boolean> {
    return this.options.dataSource.transaction(async (entityManager) => {
      const fresh = await this.inbox.record(entityManager, {
        groupId: this.options.groupId,
        messageId,
        eventType: event.type,
        topic: message.topic,
        partition: message.partition,
        offset: message.offset,
      });
      if (!fresh) return false;
      const context: MessageContext = {
        entityManager,
        outbox: { add: (events) => this.outbox.add(entityManager, events) },
        message: {
          messageId,
          eventType: event.type,
          topic: message.topic,
          partition: message.partition,
          offset: message.offset,
          key: message.key,
          headers: message.headers,
          timestamp: Number(message.timestamp),
          groupId: this.options.groupId,
          attempt,
          traceId: traceIdOf(message.headers),
        },
      };
      try {
        await handler(event as never, context);
      } catch (error) {
        throw new HandlerFailure(error);
      }
      return true;
    });
  }

  /**
   * Publishes the message to `<topic>.dlq`; its offset is committed afterwards like any other, so the partition
   * moves on. A failing DLQ publish is retried until it succeeds or the consumer stops (then it is redelivered).
   */
  private async deadLetter(message: ConsumedMessage, reason: DeadLetterReason, error: unknown, attempts: number, batch: ConsumedBatch): Promise<Outcome> {
    const record = deadLetterRecord({ message, reason, error, attempts, groupId: this.options.groupId });
    const fields: LogFields = { ...this.where(message), messageId: message.headers[Headers.messageId], reason, dlq: record.topic };
    for (let failures = 1; ; failures++) {
      try {
        await this.requireProducer().send([record]);
        this.logger.warn('message dead-lettered', { ...fields, error: error instanceof Error ? error.message : String(error) });
        return 'dead-lettered';
      } catch (publishError) {
        const delay = backoffDelay(failures, this.retry.initialBackoffMs, this.retry.maxBackoffMs);
        this.logger.error(`publishing to ${deadLetterTopic(message.topic)} failed; retrying in ${delay} ms (does the topic exist?)`, {
          ...fields,
          error: (publishError as Error).message,
        });
        if (!(await this.pause(delay, batch))) return 'interrupted';
      }
    }
  }

  /** Waits `ms` while keeping the group membership alive; false when the consumer is stopping meanwhile. */
  private async pause(ms: number, batch: ConsumedBatch): Promise<boolean> {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (!batch.isRunning() || batch.isStale()) return false;
      await sleep(Math.min(250, until - Date.now()));
      await batch.heartbeat();
    }
    return batch.isRunning() && !batch.isStale();
  }

  private requireProducer(): TransportProducer {
    if (!this.producer) throw new MessagingConfigurationError(`Consumer group ${this.options.groupId} is not started: call start() first.`);
    return this.producer;
  }

  private where(message: ConsumedMessage): LogFields {
    return {
      topic: message.topic,
      partition: message.partition,
      offset: message.offset,
      groupId: this.options.groupId,
      traceId: traceIdOf(message.headers),
    };
  }
}

/** Marks an error as the handler's own (the retry policy applies), as opposed to the machinery's around it. */
class HandlerFailure extends Error {
  constructor(override readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

function describe(message: ConsumedMessage): string {
  return `Message at ${message.topic}/${message.partition}@${message.offset}`;
}

