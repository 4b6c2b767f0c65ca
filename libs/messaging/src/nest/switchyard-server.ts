import { ArgumentsHost, Catch, RpcExceptionFilter } from '@nestjs/common';
import { BaseRpcContext, CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import { EventCodec, eventTypes, isEventType } from '@switchyard/contracts';
import { lastValueFrom, Observable, throwError } from 'rxjs';
import { DataSource, EntityManager } from 'typeorm';
import { EventConsumer, EventHandler, EventHandlers, MessageContext, MessageMetadata, TransactionalOutbox } from '../consumer/event-consumer';
import { MessagingConfigurationError } from '../errors';
import { MessagingLogger, silentLogger } from '../logger';
import { OutboxRelay, OutboxRelayOptions } from '../outbox/relay';
import { RetryPolicy } from '../retry';
import { ensureTopics, TopicSettings } from '../topics';
import { Transport } from '../transport/transport';

export interface SwitchyardServerOptions {
  readonly transport: Transport;
  /** The service's DataSource (migrated, including messagingMigration(schema)). */
  readonly dataSource: DataSource;
  /** The service's schema: inbox and outbox tables. */
  readonly schema: string;
  readonly groupId: string;
  /** Topics this service consumes. */
  readonly topics: readonly string[];
  /** Topics this service publishes to through its outbox; created on start with the consumed ones. */
  readonly publishes?: readonly string[];
  /** Partitions and replication of the topics (and their `.dlq`) created on start; existing topics are left alone. */
  readonly topicSettings?: TopicSettings;
  readonly retry?: Partial<RetryPolicy>;
  readonly unhandledEvents?: 'dead-letter' | 'ignore';
  readonly partitionsConsumedConcurrently?: number;
  /** Most messages of one partition applied in one transaction (see EventConsumerOptions). */
  readonly transactionBatchSize?: number;
  /** Run this schema's outbox relay in this process (default true; only one instance per schema publishes at a time anyway). */
  readonly relay?: boolean | Partial<Omit<OutboxRelayOptions, 'dataSource' | 'schema' | 'transport' | 'logger'>>;
  readonly codec?: EventCodec;
  readonly logger?: MessagingLogger;
}

/** What `@Ctx()` gives an `@EventPattern` handler: the transaction, the outbox in it, and where the message came from. */
export class SwitchyardContext extends BaseRpcContext<[MessageContext]> {
  get entityManager(): EntityManager {
    return this.args[0].entityManager;
  }

  get outbox(): TransactionalOutbox {
    return this.args[0].outbox;
  }

  get message(): MessageMetadata {
    return this.args[0].message;
  }
}

/**
 * Keeps the handler's own error, instead of Nest's generic "Internal server error", so that FatalError and
 * RetriableError reach the retry policy and the DLQ headers name the real cause.
 * Register it on the microservice: `app.useGlobalFilters(new SwitchyardExceptionFilter())`.
 */
@Catch()
export class SwitchyardExceptionFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    return throwError(() => exception);
  }
}

/**
 * The NestJS transport strategy over the messaging library: `@EventPattern('<EventType>')` handlers receive
 * decoded, typed events and a SwitchyardContext; the EventConsumer underneath owns inbox, transaction,
 * retries and dead letters, and the OutboxRelay publishes what handlers add to the outbox.
 *
 *   NestFactory.createMicroservice(AppModule, { strategy: new SwitchyardServer({ ... }) })
 */
export class SwitchyardServer extends Server implements CustomTransportStrategy {
  private consumer: EventConsumer | undefined;
  private relay: OutboxRelay | undefined;
  private readonly messagingLogger: MessagingLogger;
  private warnedAboutFilter = false;

  constructor(private readonly options: SwitchyardServerOptions) {
    super();
    this.messagingLogger = options.logger ?? silentLogger;
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      const handlers = this.eventHandlers();
      const { transport, dataSource, schema, groupId, topics, codec } = this.options;
      await ensureTopics(transport, [...topics, ...(this.options.publishes ?? [])], this.options.topicSettings ?? { partitions: 3, replicationFactor: 1 });
      if (this.options.relay !== false) {
        const relayOptions = typeof this.options.relay === 'object' ? this.options.relay : {};
        this.relay = new OutboxRelay({ ...relayOptions, dataSource, schema, transport, logger: this.messagingLogger });
        await this.relay.start();
      }
      this.consumer = new EventConsumer({
        transport,
        dataSource,
        schema,
        groupId,
        topics,
        handlers,
        codec,
        retry: this.options.retry,
        unhandledEvents: this.options.unhandledEvents,
        partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently,
        transactionBatchSize: this.options.transactionBatchSize,
        logger: this.messagingLogger,
      });
      await this.consumer.start();
      callback();
    } catch (error) {
      await this.close().catch(() => undefined);
      callback(error);
    }
  }

  /** Drains: the consumer finishes and commits its message in progress, then the relay finishes its batch. */
  async close(): Promise<void> {
    await this.consumer?.stop();
    this.consumer = undefined;
    await this.relay?.stop();
    this.relay = undefined;
  }

  on(): never {
    throw new MessagingConfigurationError('SwitchyardServer has no events to listen to; its logs go through the logger passed in its options.');
  }

  unwrap<T>(): T {
    return { consumer: this.consumer, relay: this.relay } as T;
  }

  /** One EventHandler per @EventPattern; several handlers of one event type run in order, in the same transaction. */
  private eventHandlers(): EventHandlers {
    const handlers: Record<string, EventHandler> = {};
    for (const [pattern, head] of this.messageHandlers) {
      if (!head.isEventHandler) {
        throw new MessagingConfigurationError(
          `@MessagePattern('${pattern}') asks for a reply, but Switchyard topics carry events only: use @EventPattern('${pattern}') and publish any answer through ctx.outbox.`,
        );
      }
      if (!isEventType(pattern)) {
        throw new MessagingConfigurationError(`@EventPattern('${pattern}') names no event type of the contracts. Known event types: ${eventTypes.join(', ')}.`);
      }
      handlers[pattern] = async (event, context) => {
        const ctx = new SwitchyardContext([context]);
        for (let handler: MessageHandler | undefined = head; handler; handler = handler.next) {
          await lastValueFrom(this.transformToObservable(await handler(event, ctx)), { defaultValue: undefined }).catch((error: unknown) => {
            if (error instanceof Error) throw error;
            if (!this.warnedAboutFilter) {
              this.warnedAboutFilter = true;
              this.messagingLogger.warn(
                "a handler's error reached the consumer as Nest's generic \"Internal server error\": register SwitchyardExceptionFilter (app.useGlobalFilters) so FatalError is honoured and the DLQ names the real error",
                { groupId: this.options.groupId, eventType: pattern },
              );
            }
            throw new Error(`@EventPattern('${pattern}') handler failed: ${JSON.stringify(error)}. Register SwitchyardExceptionFilter to see the handler's own error.`);
          });
        }
      };
    }
    return handlers as EventHandlers;
  }
}
