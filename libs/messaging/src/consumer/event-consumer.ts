import { Span, SpanKind, trace } from '@opentelemetry/api';
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
import { RecoveringProducer } from '../transport/recovering-producer';
import { ConsumedBatch, ConsumedMessage, Transport, TransportConsumer } from '../transport/transport';
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
  /** Most messages of one partition applied in one transaction (a savepoint each); 1 = a transaction per message. Default 50. */
  readonly transactionBatchSize?: number;
  readonly logger?: MessagingLogger;
}

type Outcome = 'applied' | 'duplicate' | 'ignored' | 'dead-lettered' | 'interrupted';
type AppliedOutcome = 'applied' | 'duplicate';

type Prepared =
  | { readonly kind: 'apply'; readonly message: ConsumedMessage; readonly event: DecodedEvent; readonly messageId: string; readonly handler: EventHandler }
  | { readonly kind: 'dead-letter'; readonly message: ConsumedMessage; readonly reason: DeadLetterReason; readonly error: Error }
  | { readonly kind: 'ignore'; readonly message: ConsumedMessage; readonly messageId: string; readonly eventType: string };
type Applicable = Extract<Prepared, { kind: 'apply' }>;

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
  private readonly transactionBatchSize: number;
  private consumer: TransportConsumer | undefined;
  private producer: RecoveringProducer | undefined;
  private starting: Promise<void> | undefined;
  private readonly counts = { applied: 0, duplicate: 0, ignored: 0, 'dead-lettered': 0, interrupted: 0 };

  constructor(private readonly options: EventConsumerOptions) {
    if (options.topics.length === 0) throw new MessagingConfigurationError(`Consumer group ${options.groupId} has no topics to consume.`);
    options.topics.forEach(assertTopicName);
    this.codec = options.codec ?? new EventCodec();
    this.inbox = new Inbox(options.schema);
    this.outbox = new Outbox({ schema: options.schema, codec: this.codec });
    this.retry = retryPolicy(options.retry);
    this.logger = options.logger ?? silentLogger;
    this.transactionBatchSize = options.transactionBatchSize ?? 50;
    if (!Number.isInteger(this.transactionBatchSize) || this.transactionBatchSize < 1) {
      throw new MessagingConfigurationError(`transactionBatchSize must be a positive integer; got ${options.transactionBatchSize}.`);
    }
  }

  /** Messages by outcome since start, for tests and health checks. */
  get stats(): Readonly<Record<Outcome, number>> {
    return { ...this.counts };
  }

  async start(): Promise<void> {
    this.starting ??= this.connectAndRun();
    await this.starting;
  }

  private async connectAndRun(): Promise<void> {
    const { transport, groupId, topics } = this.options;
    if (this.options.createTopics) await ensureTopics(transport, topics, this.options.createTopics);
    const producer = new RecoveringProducer(transport);
    const consumer = transport.consumer({ groupId, partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently });
    try {
      await producer.connect();
      this.producer = producer;
      await consumer.connect();
      await consumer.subscribe({ topics, fromBeginning: this.options.fromBeginning ?? true });
      await consumer.run({ eachBatch: (batch) => this.consumeBatch(batch) });
    } catch (error) {
      this.producer = undefined;
      this.starting = undefined;
      await consumer.disconnect().catch(() => undefined);
      await producer.disconnect().catch(() => undefined);
      throw error;
    }
    this.consumer = consumer;
    this.logger.info('consumer started', { groupId, topics: topics.join(',') });
  }

  /** Stops fetching, lets the message in progress finish and commits it, then disconnects. */
  async stop(): Promise<void> {
    // A stop during start waits for the start, so nothing is left running.
    await this.starting?.catch(() => undefined);
    this.starting = undefined;
    const consumer = this.consumer;
    if (!consumer) return;
    this.consumer = undefined;
    await consumer.disconnect();
    await this.producer?.disconnect();
    this.producer = undefined;
    this.logger.info('consumer stopped', { groupId: this.options.groupId, ...this.counts });
  }

  /**
   * Runs of consecutive applicable messages share one transaction, with a savepoint each, so a busy partition
   * pays for one commit per run rather than one per message. A handler failing inside a run rolls back to its
   * savepoint only: the messages before it commit, and it goes on alone under the retry policy (that failure
   * counting as its first attempt). Offsets are committed after the transactions, at the end of the batch.
   */
  private async consumeBatch(batch: ConsumedBatch): Promise<void> {
    const prepared: Prepared[] = [];
    const at = (index: number): Prepared => (prepared[index] ??= this.prepare(batch.messages[index]));
    try {
      let index = 0;
      while (index < batch.messages.length && batch.isRunning() && !batch.isStale()) {
        const run: Applicable[] = [];
        for (let i = index; i < batch.messages.length && run.length < this.transactionBatchSize; i++) {
          const next = at(i);
          if (next.kind !== 'apply') break;
          run.push(next);
        }
        let alone: Prepared = at(index);
        let firstFailure: HandlerFailure | undefined;
        if (run.length > 1) {
          const result = await this.applyRun(run, batch);
          result.committed.forEach((outcome, i) => this.finish(run[i].message, outcome, batch));
          index += result.committed.length;
          if (result.failure === undefined) {
            await batch.heartbeat();
            continue;
          }
          alone = run[result.committed.length];
          firstFailure = result.failure === 'transaction' ? undefined : result.failure;
        }
        if (!this.finish(alone.message, await this.process(alone, batch, firstFailure), batch)) break;
        index++;
        await batch.heartbeat();
      }
    } finally {
      // Whatever was applied is committed, also when stopping or when the rest of the batch failed.
      await batch.commit();
    }
  }

  /** Counts the outcome and marks the message done; false when it was interrupted (left for redelivery). */
  private finish(message: ConsumedMessage, outcome: Outcome, batch: ConsumedBatch): boolean {
    this.counts[outcome]++;
    if (outcome === 'interrupted') return false;
    batch.markProcessed(message);
    return true;
  }

  /** Decodes a message and finds its handler, or says why it goes to the DLQ or is skipped. */
  private prepare(message: ConsumedMessage): Prepared {
    if (message.value === null) {
      return { kind: 'dead-letter', message, reason: 'malformed:no-value', error: new Error(`${describe(message)} has no value (a tombstone); Switchyard topics carry events only.`) };
    }
    let event: DecodedEvent;
    try {
      event = this.codec.decode(message.value);
    } catch (error) {
      const reason = error instanceof MalformedMessageError ? error.reason : 'invalid-body';
      const fingerprint = error instanceof MalformedMessageError ? error.fingerprint : undefined;
      const described = new MalformedMessageError(reason, `${describe(message)} cannot be decoded: ${(error as Error).message}`, fingerprint);
      return { kind: 'dead-letter', message, reason: `malformed:${reason}`, error: described };
    }
    const messageId = message.headers[Headers.messageId] ?? event.payload.metadata.eventId ?? `${message.topic}/${message.partition}/${message.offset}`;
    const handler = this.options.handlers[event.type] as EventHandler | undefined;
    if (handler) return { kind: 'apply', message, event, messageId, handler };
    if (this.options.unhandledEvents === 'ignore') return { kind: 'ignore', message, messageId, eventType: event.type };
    const handled = Object.keys(this.options.handlers).join(', ') || 'none';
    const error = new FatalError(
      `${describe(message)} (message ${messageId}) is a ${event.type}, which consumer group ${this.options.groupId} has no handler for (it handles: ${handled}). Add a handler, or set unhandledEvents: 'ignore' for a shared topic.`,
    );
    return { kind: 'dead-letter', message, reason: 'no-handler', error };
  }

  /** One message on its own: dead-letter it, skip it, or apply it under the retry policy. */
  private async process(item: Prepared, batch: ConsumedBatch, firstFailure?: HandlerFailure): Promise<Outcome> {
    switch (item.kind) {
      case 'dead-letter':
        return this.deadLetter(item.message, item.reason, item.error, 0, batch);
      case 'ignore':
        this.logger.debug('no handler for this event type; skipped', { ...this.where(item.message), messageId: item.messageId, eventType: item.eventType });
        return 'ignored';
      case 'apply':
        return inSpan(this.processSpan(item), () => this.applyWithRetries(item, batch, firstFailure));
    }
  }

  /**
   * Applies a run in one transaction. Stops at the first handler failure (rolled back to its savepoint; the ones
   * before it commit) or when the consumer is stopping. If the transaction itself fails, nothing is committed.
   */
  private async applyRun(run: readonly Applicable[], batch: ConsumedBatch): Promise<{ committed: AppliedOutcome[]; failure?: HandlerFailure | 'transaction' }> {
    const outcomes: AppliedOutcome[] = [];
    let failure: HandlerFailure | undefined;
    try {
      await this.options.dataSource.transaction(async (entityManager) => {
        for (const item of run) {
          if (outcomes.length > 0 && (!batch.isRunning() || batch.isStale())) return;
          await entityManager.query('SAVEPOINT switchyard_message');
          try {
            const outcome = await inSpan(this.processSpan(item), () => this.applyIn(entityManager, item, 1, false));
            // Fails (25P02) if the handler swallowed an error that aborted the transaction: the same check as alone.
            await entityManager.query('RELEASE SAVEPOINT switchyard_message').catch((error: unknown) => {
              throw (error as { driverError?: { code?: string } }).driverError?.code === '25P02' ? this.swallowed(item, error) : error;
            });
            outcomes.push(outcome);
          } catch (error) {
            if (!(error instanceof HandlerFailure)) throw error;
            await entityManager.query('ROLLBACK TO SAVEPOINT switchyard_message');
            failure = error;
            return;
          }
        }
      });
    } catch (error) {
      this.logger.warn('a shared transaction failed; applying its messages one by one', { ...this.where(run[0].message), count: run.length, error: (error as Error).message });
      return { committed: [], failure: 'transaction' };
    }
    return { committed: outcomes, failure };
  }

  private async applyWithRetries(item: Applicable, batch: ConsumedBatch, firstFailure?: HandlerFailure): Promise<Outcome> {
    const { message, messageId, event } = item;
    const fields: LogFields = { ...this.where(message), messageId, eventType: event.type };
    let attempt = 1;
    let infrastructureFailures = 0;
    let caught: unknown = firstFailure;
    for (;;) {
      if (caught === undefined) {
        try {
          const current = attempt;
          return await this.options.dataSource.transaction((entityManager) => this.applyIn(entityManager, item, current, true));
        } catch (error) {
          caught = error;
        }
      }
      const byHandler = caught instanceof HandlerFailure;
      const error = caught instanceof HandlerFailure ? caught.cause : caught;
      caught = undefined;
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

  /** Inbox record, then the handler, in the caller's transaction. Handler errors come out as HandlerFailure. */
  private async applyIn(entityManager: EntityManager, item: Applicable, attempt: number, verifyTransaction: boolean): Promise<AppliedOutcome> {
    const { message, event, messageId, handler } = item;
    const fresh = await this.inbox.record(entityManager, {
      groupId: this.options.groupId,
      messageId,
      eventType: event.type,
      topic: message.topic,
      partition: message.partition,
      offset: message.offset,
    });
    if (!fresh) {
      this.logger.info('duplicate message skipped (already in the inbox)', { ...this.where(message), messageId, eventType: event.type });
      return 'duplicate';
    }
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
    // PostgreSQL answers COMMIT of an aborted transaction with a silent ROLLBACK: catch a handler that swallowed a database error.
    if (!verifyTransaction) return 'applied';
    await entityManager.query('SELECT 1').catch((error: unknown) => {
      throw this.swallowed(item, error);
    });
    return 'applied';
  }

  private swallowed({ event }: Applicable, error: unknown): HandlerFailure {
    return new HandlerFailure(
      new Error(
        `The ${event.type} handler of consumer group ${this.options.groupId} caught a database error and carried on, but PostgreSQL had aborted its transaction (${(error as Error).message}). Let database errors propagate.`,
      ),
    );
  }

  /** The handler's span: a child of the span that published the message (trace context from its headers). */
  private processSpan({ message, messageId, event }: Applicable): Span {
    return messagingTracer().startSpan(
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

  private requireProducer(): RecoveringProducer {
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

