import {
  Admin,
  Consumer,
  IHeaders,
  Kafka,
  KafkaConfig,
  KafkaJSError,
  LogEntry,
  logLevel,
  Partitioners,
  Producer,
} from 'kafkajs';
import { TransportError } from '../errors';
import { MessagingLogger, silentLogger } from '../logger';
import {
  ConsumedMessage,
  ConsumerRunOptions,
  MessageHeaders,
  PartitionOffset,
  SubscribeOptions,
  TopicMessages,
  TopicSpec,
  Transport,
  TransportAdmin,
  TransportConsumer,
  TransportConsumerOptions,
  TransportProducer,
} from './transport';

export interface KafkaTransportOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** Where kafkajs's own warnings and errors go (its info chatter is dropped). */
  readonly logger?: MessagingLogger;
  /** Consumer session: a member silent for longer is dropped from the group and its partitions move. */
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  /** Longest a fetch waits for new data; also bounds how long `stop()` waits for an idle fetch. */
  readonly maxWaitTimeMs?: number;
  /** Extra kafkajs client settings (ssl, sasl, retry, ...). */
  readonly kafka?: Omit<KafkaConfig, 'brokers' | 'clientId' | 'logCreator' | 'logLevel'>;
}

/** The Kafka transport on kafkajs: idempotent producer, consumer groups with explicit commits only. */
export function createKafkaTransport(options: KafkaTransportOptions): Transport {
  const logger = options.logger ?? silentLogger;
  const kafka = new Kafka({
    ...options.kafka,
    brokers: [...options.brokers],
    clientId: options.clientId,
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => {
      const fields = { component: `kafkajs.${entry.namespace}`, error: entry.log['error'] as string | undefined };
      if (entry.level === logLevel.ERROR) logger.error(entry.log.message, fields);
      else logger.warn(entry.log.message, fields);
    },
  });
  const name = `kafka ${options.brokers.join(',')}`;
  return {
    name,
    producer: () => new KafkaProducer(kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    }), name),
    consumer: (consumerOptions) => new KafkaConsumer(kafka, consumerOptions, options),
    admin: () => new KafkaAdmin(kafka.admin(), name),
  };
}

class KafkaProducer implements TransportProducer {
  constructor(
    private readonly producer: Producer,
    private readonly brokerName: string,
  ) {}

  async connect(): Promise<void> {
    await wrap(() => this.producer.connect(), `Cannot connect a producer to ${this.brokerName}`);
  }

  async send(batch: readonly TopicMessages[]): Promise<void> {
    const topicMessages = batch
      .filter((entry) => entry.messages.length > 0)
      .map(({ topic, messages }) => ({
        topic,
        messages: messages.map((m) => ({ key: m.key, value: m.value, headers: { ...m.headers } })),
      }));
    if (topicMessages.length === 0) return;
    const count = topicMessages.reduce((sum, t) => sum + t.messages.length, 0);
    const topics = topicMessages.map((t) => t.topic).join(', ');
    // acks -1: every in-sync replica has it; the idempotent producer requires it.
    await wrap(() => this.producer.sendBatch({ topicMessages, acks: -1 }), `Publishing ${count} message(s) to ${topics} on ${this.brokerName} failed`);
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }
}

class KafkaConsumer implements TransportConsumer {
  private readonly consumer: Consumer;

  constructor(
    kafka: Kafka,
    private readonly options: TransportConsumerOptions,
    transportOptions: KafkaTransportOptions,
  ) {
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: transportOptions.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: transportOptions.heartbeatIntervalMs ?? 1_000,
      maxWaitTimeInMs: transportOptions.maxWaitTimeMs ?? 500,
      allowAutoTopicCreation: false,
    });
    const logger = transportOptions.logger ?? silentLogger;
    // kafkajs restarts a crashed consumer by itself (retriable errors); say so, and say when it gives up.
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      const fields = { groupId: options.groupId, error: payload.error.message, restart: payload.restart };
      if (payload.restart) logger.warn('consumer crashed; kafkajs restarts it from the committed offsets', fields);
      else logger.error('consumer crashed and will not restart: restart the service', fields);
    });
  }

  async connect(): Promise<void> {
    await wrap(() => this.consumer.connect(), `Consumer group ${this.options.groupId} cannot connect`);
  }

  async subscribe(options: SubscribeOptions): Promise<void> {
    await wrap(
      () => this.consumer.subscribe({ topics: [...options.topics], fromBeginning: options.fromBeginning }),
      `Consumer group ${this.options.groupId} cannot subscribe to ${options.topics.join(', ')}`,
    );
  }

  async run(options: ConsumerRunOptions): Promise<void> {
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 1,
      eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary, heartbeat, isRunning, isStale }) => {
        const { topic, partition } = batch;
        let lastProcessed: string | undefined;
        let lastCommitted: string | undefined;
        await options.eachBatch({
          topic,
          partition,
          messages: batch.messages.map((m): ConsumedMessage => ({
            topic,
            partition,
            offset: m.offset,
            key: m.key === null ? null : m.key.toString('utf8'),
            value: m.value,
            headers: textHeaders(m.headers),
            timestamp: m.timestamp,
          })),
          isRunning,
          isStale,
          markProcessed: (message) => {
            resolveOffset(message.offset);
            lastProcessed = message.offset;
          },
          commit: async () => {
            if (lastProcessed === undefined || lastProcessed === lastCommitted) return;
            const offset = (BigInt(lastProcessed) + 1n).toString();
            // The batch's own commit goes straight to the group coordinator, so it still works during stop().
            await commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset }] }] });
            lastCommitted = lastProcessed;
          },
          heartbeat,
        });
      },
    });
  }

  seek(position: { topic: string; partition: number; offset: string }): void {
    this.consumer.seek(position);
  }

  async stop(): Promise<void> {
    await this.consumer.stop();
  }

  async disconnect(): Promise<void> {
    await this.consumer.disconnect();
  }
}

class KafkaAdmin implements TransportAdmin {
  constructor(
    private readonly admin: Admin,
    private readonly brokerName: string,
  ) {}

  async connect(): Promise<void> {
    await wrap(() => this.admin.connect(), `Cannot connect an admin client to ${this.brokerName}`);
  }

  async createTopics(topics: readonly TopicSpec[]): Promise<void> {
    if (topics.length === 0) return;
    const existing = new Set(await this.admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length > 0) await this.create(missing);
    // A topic another client created a moment ago may have no leader yet (kafkajs skips waitForLeaders when every
    // topic already exists), and subscribing to it then fails: wait until every partition has one.
    await this.untilLed(topics.map((t) => t.topic));
  }

  private async untilLed(topics: readonly string[], timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let problem = 'no metadata yet';
    while (Date.now() < deadline) {
      try {
        const { topics: described } = await this.admin.fetchTopicMetadata({ topics: [...topics] });
        const leaderless = described.filter((t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0)).map((t) => t.name);
        if (leaderless.length === 0 && described.length === topics.length) return;
        problem = `no leader yet for ${leaderless.join(', ') || 'some topics'}`;
      } catch (error) {
        problem = (error as Error).message;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new TransportError(`Topics ${topics.join(', ')} on ${this.brokerName} were not ready within ${timeoutMs / 1000} s: ${problem}`, true);
  }

  private async create(missing: readonly TopicSpec[]): Promise<void> {
    await wrap(
      () =>
        this.admin.createTopics({
          // Leaders are awaited by untilLed, which also covers topics created by someone else; kafkajs's own wait
          // gives up on the "unknown topic" answers a busy broker sends while the creation spreads.
          waitForLeaders: false,
          topics: missing.map((t) => ({ topic: t.topic, numPartitions: t.partitions, replicationFactor: t.replicationFactor })),
        }),
      `Creating topics ${missing.map((t) => t.topic).join(', ')} on ${this.brokerName} failed (check the replication factor against the number of brokers)`,
      // Another instance creating the same topic at the same moment is not a failure.
      (error) => error.type === 'TOPIC_ALREADY_EXISTS',
    );
  }

  async partitionCount(topic: string): Promise<number> {
    const metadata = await wrap(() => this.admin.fetchTopicMetadata({ topics: [topic] }), `Topic ${topic} is unknown on ${this.brokerName}`);
    return metadata.topics[0]?.partitions.length ?? 0;
  }

  async committedOffsets(groupId: string, topic: string): Promise<PartitionOffset[]> {
    const result = await this.admin.fetchOffsets({ groupId, topics: [topic] });
    return (result[0]?.partitions ?? []).map(({ partition, offset }) => ({ partition, offset })).sort(byPartition);
  }

  async endOffsets(topic: string): Promise<PartitionOffset[]> {
    const result = await this.admin.fetchTopicOffsets(topic);
    return result.map(({ partition, high }) => ({ partition, offset: high })).sort(byPartition);
  }

  async disconnect(): Promise<void> {
    await this.admin.disconnect();
  }
}

function byPartition(a: PartitionOffset, b: PartitionOffset): number {
  return a.partition - b.partition;
}

function textHeaders(headers: IHeaders | undefined): MessageHeaders {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) result[name] = Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
  }
  return result;
}

/** kafkajs errors become TransportErrors that keep kafkajs's own retriable verdict and say what was attempted. */
async function wrap<T>(operation: () => Promise<T>, what: string, ignore?: (error: KafkaJSError & { type?: string }) => boolean): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof KafkaJSError && ignore?.(error as KafkaJSError & { type?: string })) return undefined as T;
    const retriable = error instanceof KafkaJSError ? error.retriable : false;
    throw new TransportError(`${what}: ${(error as Error).message}`, retriable, { cause: error });
  }
}
