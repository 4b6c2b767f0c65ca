/**
 * What service tests share: the broker under a namespace of their own, publishing events as another service
 * would, reading topics back decoded, and polling for a condition. Real Kafka and PostgreSQL only.
 */
import { randomUUID } from 'node:crypto';
import { AnyEvent, DecodedEvent, EventCodec, EventOf, EventPayload, EventType, keyOf, topicOf } from '@switchyard/contracts';
import { createTestDatabase, parseBrokers, type TestDatabase } from '@switchyard/infra';
import { createKafkaTransport, ensureTopics, Headers, namespacedTransport, tapTopics, type ConsumedMessage, type Tap, type Transport } from '@switchyard/messaging';
import { RunningService, ServiceDefinition, startService } from '../start-service';

const codec = new EventCodec();

/** Polls `check` until it stops throwing; after `timeoutMs` rethrows its last complaint. Never a fixed sleep. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 60_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}

/** Throws (so that `eventually` polls again) until the list has exactly `count` items; returns them. */
export function expectCount<T>(items: readonly T[], count: number, what: string): readonly T[] {
  if (items.length !== count) throw new Error(`expected ${count} ${what}, found ${items.length}`);
  return items;
}

/** A namespace no other test run uses: all its topics and consumer groups are its own on the shared broker. */
export function uniqueNamespace(label: string): string {
  return `${label.toLowerCase().replace(/[^a-z0-9-]+/g, '-').slice(0, 40)}-${randomUUID().slice(0, 8)}`;
}

/** The test run's broker (KAFKA_BROKERS, provided by the infra global setup) under `namespace`. */
export function testTransport(namespace: string): Transport {
  const brokers = process.env['KAFKA_BROKERS'];
  if (!brokers) throw new Error('KAFKA_BROKERS is not set: run the tests through `npm test` or a project jest config (its global setup provides a broker).');
  return namespacedTransport(createKafkaTransport({ brokers: parseBrokers(brokers), clientId: 'switchyard-spec' }), namespace);
}

/** Publishes events to their contract topics as a producing service would (single-object Avro, id headers). */
export async function publish(transport: Transport, events: readonly AnyEvent[]): Promise<void> {
  const producer = transport.producer();
  await producer.connect();
  try {
    await producer.send(
      events.map((event) => ({
        topic: topicOf(event),
        messages: [{ key: keyOf(event), value: codec.encodeEvent(event), headers: { [Headers.messageId]: event.payload.metadata.eventId, [Headers.eventType]: event.type } }],
      })),
    );
  } finally {
    await producer.disconnect();
  }
}

export interface ReceivedMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly headers: Readonly<Record<string, string>>;
  /** The decoded event; undefined for bytes that are not one (a dead-letter topic keeps those too). */
  readonly event?: DecodedEvent;
}

/** Everything published on some topics since their beginning, decoded where possible, in the order read. */
export class TopicReader {
  readonly received: ReceivedMessage[] = [];

  /** Per `topic/partition`: the offset after the last message read. */
  private readonly next = new Map<string, bigint>();

  private tap: Tap | undefined;

  private constructor(
    private readonly transport: Transport,
    private readonly topics: readonly string[],
  ) {}

  get events(): DecodedEvent[] {
    return this.received.flatMap((r) => (r.event ? [r.event] : []));
  }

  /** Reads `topics` (created first where missing) with a group of its own. */
  static async start(transport: Transport, topics: readonly string[]): Promise<TopicReader> {
    await ensureTopics(transport, topics, { partitions: 3, replicationFactor: 1 });
    const reader = new TopicReader(transport, topics);
    const read = (message: ConsumedMessage, event: DecodedEvent | undefined) => {
      reader.received.push({ topic: message.topic, partition: message.partition, offset: message.offset, key: message.key, headers: message.headers, event });
      reader.next.set(`${message.topic}/${message.partition}`, BigInt(message.offset) + 1n);
    };
    reader.tap = await tapTopics(
      transport,
      // Bytes that are not an event (a dead-letter topic keeps those too) are read all the same, with no event.
      { groupId: `spec-reader-${randomUUID()}`, topics, onError: (_error, message) => read(message, undefined) },
      (message) => read(message, message.value ? codec.decode(message.value) : undefined),
    );
    return reader;
  }

  /** The events of one type whose payload matches. */
  of<T extends EventType>(type: T, match: (payload: EventPayload<T>) => boolean = () => true): EventOf<T>[] {
    return this.events.filter((event) => event.type === type && match(event.payload as EventPayload<T>)) as unknown as EventOf<T>[];
  }

  /** Waits until at least `count` events of the type match, and returns all that do, in the order read. */
  waitFor<T extends EventType>(type: T, match: (payload: EventPayload<T>) => boolean = () => true, count = 1, timeoutMs?: number): Promise<EventOf<T>[]> {
    return eventually(() => {
      const found = this.of(type, match);
      if (found.length < count) throw new Error(`waiting for ${count} ${type} event(s) that match; ${found.length} so far (read ${this.received.length} message(s))`);
      return found;
    }, timeoutMs);
  }

  /** The messages read from dead-letter topics (`<topic>.dlq`, raw: their bytes need not be an event), optionally those matching. */
  deadLetters(match: (message: ReceivedMessage) => boolean = () => true): ReceivedMessage[] {
    return this.received.filter((message) => message.topic.endsWith('.dlq') && match(message));
  }

  /** Waits for the dead letter with this key (the original message's key) and returns it. */
  deadLetter(key: string, timeoutMs?: number): Promise<ReceivedMessage> {
    return eventually(() => {
      const found = this.deadLetters((message) => message.key === key)[0];
      if (!found) throw new Error(`no dead letter with key ${key} yet (read ${this.deadLetters().length} dead letter(s))`);
      return found;
    }, timeoutMs);
  }

  /** Waits until it has read everything its topics hold right now: after this, what it has not seen was not published before the call. */
  async caughtUp(timeoutMs?: number): Promise<void> {
    const ends = await endOffsets(this.transport, this.topics);
    await eventually(() => {
      for (const [partition, end] of ends) {
        const read = this.next.get(partition) ?? 0n;
        if (read < end) throw new Error(`the reader read ${partition} up to ${read}; it holds up to ${end}`);
      }
    }, timeoutMs);
  }

  async stop(): Promise<void> {
    await this.tap?.stop();
  }
}

async function endOffsets(transport: Transport, topics: readonly string[]): Promise<Map<string, bigint>> {
  const admin = transport.admin();
  await admin.connect();
  try {
    const ends = new Map<string, bigint>();
    for (const topic of topics) for (const { partition, offset } of await admin.endOffsets(topic)) ends.set(`${topic}/${partition}`, BigInt(offset));
    return ends;
  } finally {
    await admin.disconnect();
  }
}

/**
 * Waits until consumer group `groupId` has committed, on every partition of `topics`, everything the topics hold
 * at the time of the call (its lag is zero): what was published before is applied. Through the transport's admin,
 * so the namespace applies to the group and topics alike.
 */
export async function groupCaughtUp(transport: Transport, groupId: string, topics: readonly string[], timeoutMs?: number): Promise<void> {
  const ends = await endOffsets(transport, topics);
  const admin = transport.admin();
  await admin.connect();
  try {
    await eventually(async () => {
      for (const topic of topics) {
        const committed = new Map((await admin.committedOffsets(groupId, topic)).map(({ partition, offset }) => [`${topic}/${partition}`, BigInt(offset)]));
        for (const [partition, end] of ends) {
          if (!partition.startsWith(`${topic}/`) || end === 0n) continue;
          const at = committed.get(partition) ?? -1n;
          if (at < end) throw new Error(`group ${groupId} has committed ${partition} up to ${at < 0n ? 'nothing' : at}; it holds up to ${end}`);
        }
      }
    }, timeoutMs);
  } finally {
    await admin.disconnect();
  }
}

/** The counts of what a running service's consumer did so far, by outcome (`applied`, `duplicate`, `ignored`, `dead-lettered`, ...). */
export function consumerStats(service: RunningService): Readonly<Record<string, number>> {
  const [microservice] = service.app.getMicroservices();
  return microservice?.unwrap<{ consumer?: { stats: Record<string, number> } }>().consumer?.stats ?? {};
}

/** Publishes bytes as they are (an older schema, or not an event at all), as a broken producer would; a fresh message id. */
export async function publishRaw(transport: Transport, topic: string, key: string, value: Buffer, headers: Readonly<Record<string, string>> = {}): Promise<void> {
  const producer = transport.producer();
  await producer.connect();
  try {
    await producer.send([{ topic, messages: [{ key, value, headers: { [Headers.messageId]: randomUUID(), ...headers } }] }]);
  } finally {
    await producer.disconnect();
  }
}

export interface ServiceUnderTest {
  readonly service: RunningService;
  readonly database: TestDatabase;
  readonly namespace: string;
  /** The broker as the service sees it (its namespace), for publishing and reading. */
  readonly transport: Transport;
  /** Stops the service and drops its database (unless it was given one). */
  stop(): Promise<void>;
}

export interface ServiceUnderTestOptions {
  /** A database to start on (e.g. to restart a service on its state); left for its owner, not dropped by stop(). Default: a fresh one. */
  readonly database?: TestDatabase;
  /** Where the service's JSON log lines go; default standard output. */
  readonly writeLog?: (line: string) => void;
}

/** Starts a service on a fresh database and a namespace of its own, quiet unless LOG_LEVEL says otherwise. */
export async function startServiceUnderTest(definition: ServiceDefinition, env: NodeJS.ProcessEnv = {}, options: ServiceUnderTestOptions = {}): Promise<ServiceUnderTest> {
  const database = options.database ?? (await createTestDatabase(definition.name));
  const dropDatabase = () => (options.database ? Promise.resolve() : database.drop());
  const namespace = env['TOPIC_NAMESPACE'] ?? uniqueNamespace(definition.name);
  try {
    const service = await startService(definition, {
      env: { KAFKA_BROKERS: process.env['KAFKA_BROKERS'], PORT: '0', LOG_LEVEL: 'warn', ...env, DATABASE_URL: database.url, TOPIC_NAMESPACE: namespace },
      writeLog: options.writeLog,
    });
    return {
      service,
      database,
      namespace,
      transport: testTransport(namespace),
      stop: async () => {
        await service.close();
        await dropDatabase();
      },
    };
  } catch (error) {
    await dropDatabase();
    throw error;
  }
}
