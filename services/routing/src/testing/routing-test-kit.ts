import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AnyEvent, DecodedEvent, EventCodec, EventOf, EventPayload, EventType, keyOf, topicOf, type OrderLine } from '@switchyard/contracts';
import { createTestDatabase, type TestDatabase } from '@switchyard/infra';
import { Headers } from '@switchyard/messaging';
import { RunningService, startService } from '@switchyard/service-kit';
import { Consumer, Kafka, logLevel, Producer } from 'kafkajs';
import { routingService } from '../routing.definition';

/** Polls until `check` stops throwing; after `timeoutMs` rethrows its last failure. Never waits a fixed time. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Ids unique to one test file's run: the broker is shared with other runs and other services' tests. */
export const runId = randomUUID().slice(0, 8);

function brokers(): string[] {
  const list = process.env['KAFKA_BROKERS'];
  if (!list) throw new Error('KAFKA_BROKERS is not set: run `eval "$(npm run -s infra:up)"` first, or run through `npm test` / the project jest config.');
  return list.split(',');
}

const kafka = () => new Kafka({ clientId: `routing-test-${runId}`, brokers: brokers(), logLevel: logLevel.NOTHING });

/** Commits the current end of these topics for a group that never ran, so it reads only what is published from now on. */
async function startGroupAtEnd(groupId: string, topics: readonly string[]): Promise<void> {
  const client = kafka();
  const admin = client.admin();
  await admin.connect();
  let ends: { topic: string; partition: number; offset: string }[];
  try {
    const existing = new Set(await admin.listTopics());
    await admin.createTopics({ topics: topics.filter((t) => !existing.has(t)).map((topic) => ({ topic, numPartitions: 3, replicationFactor: 1 })), waitForLeaders: true });
    ends = (await Promise.all(topics.map(async (topic) => (await admin.fetchTopicOffsets(topic)).map((o) => ({ topic, partition: o.partition, offset: o.high }))))).flat();
  } finally {
    await admin.disconnect();
  }
  const consumer = client.consumer({ groupId });
  await consumer.connect();
  try {
    const joined = new Promise((resolve) => consumer.on(consumer.events.GROUP_JOIN, resolve));
    await consumer.subscribe({ topics: [...topics], fromBeginning: false });
    await consumer.run({ autoCommit: false, eachMessage: async () => undefined });
    await joined;
    await consumer.commitOffsets(ends);
  } finally {
    await consumer.disconnect();
  }
}

export interface DeadLetter {
  readonly key: string | null;
  readonly headers: Record<string, string>;
}

/**
 * The saga and inventory around routing: a producer for what they send it, and a reader (EventCodec) of
 * routing.events and the dead letters of what routing consumes, from the moment the probe was opened.
 */
export class KafkaProbe {
  readonly received: DecodedEvent[] = [];
  readonly deadLetters: DeadLetter[] = [];
  private readonly codec = new EventCodec();

  private constructor(
    private readonly producer: Producer,
    private readonly reader: Consumer,
  ) {}

  static async open(): Promise<KafkaProbe> {
    const client = kafka();
    const groupId = `routing-test-reader-${runId}-${randomUUID().slice(0, 8)}`;
    const topics = ['routing.events', 'routing.commands.dlq', 'inventory.events.dlq'];
    await startGroupAtEnd(groupId, topics);
    const producer = client.producer({ idempotent: true, maxInFlightRequests: 1 });
    const reader = client.consumer({ groupId });
    await producer.connect();
    await reader.connect();
    await reader.subscribe({ topics, fromBeginning: true });
    const probe = new KafkaProbe(producer, reader);
    await reader.run({
      eachMessage: async ({ topic, message }) => {
        const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
        if (topic.endsWith('.dlq')) probe.deadLetters.push({ key: message.key?.toString() ?? null, headers });
        else if (message.value) probe.received.push(probe.codec.decode(message.value));
      },
    });
    return probe;
  }

  /** Publishes events to their own topics, keyed as the contracts say, each with a fresh message id (returned, in order). */
  async publish(...events: AnyEvent[]): Promise<string[]> {
    const messageIds: string[] = [];
    for (const event of events) {
      const messageId = randomUUID();
      messageIds.push(messageId);
      await this.producer.send({
        topic: topicOf(event),
        messages: [{ key: keyOf(event), value: this.codec.encodeEvent(event), headers: { [Headers.messageId]: messageId, [Headers.eventType]: event.type } }],
      });
    }
    return messageIds;
  }

  all<T extends EventType>(type: T, matches: (payload: EventPayload<T>) => boolean = () => true): EventPayload<T>[] {
    return this.received.filter((e): e is Extract<DecodedEvent, { type: T }> => e.type === type).map((e) => e.payload as EventPayload<T>).filter(matches);
  }

  /** Waits for the `count`-th event of this type that matches, and returns all of them. */
  async waitFor<T extends EventType>(type: T, matches: (payload: EventPayload<T>) => boolean, count = 1): Promise<EventPayload<T>[]> {
    return eventually(() => {
      const found = this.all(type, matches);
      if (found.length < count) throw new Error(`waiting for ${count} ${type} event(s) that match; ${found.length} so far`);
      return found;
    });
  }

  /** The reply to one attempt of one order, whichever it is. */
  async replyTo(orderId: string, attempt = 1, count = 1): Promise<(EventOf<'OrderRouted'> | EventOf<'OrderUnroutable'>)[]> {
    return eventually(() => {
      const replies = this.received.filter(
        (e): e is Extract<DecodedEvent, { type: 'OrderRouted' | 'OrderUnroutable' }> =>
          (e.type === 'OrderRouted' || e.type === 'OrderUnroutable') && e.payload.orderId === orderId && e.payload.attempt === attempt,
      );
      if (replies.length < count) throw new Error(`waiting for ${count} repl(ies) to order ${orderId} attempt ${attempt}; ${replies.length} so far`);
      return replies.map((e) => ({ type: e.type, payload: e.payload }) as EventOf<'OrderRouted'> | EventOf<'OrderUnroutable'>);
    });
  }

  async waitForDeadLetter(key: string): Promise<DeadLetter> {
    return eventually(() => {
      const found = this.deadLetters.find((d) => d.key === key);
      if (!found) throw new Error(`no dead letter with key ${key} yet`);
      return found;
    });
  }

  async close(): Promise<void> {
    await this.reader.disconnect();
    await this.producer.disconnect();
  }
}

export interface RoutingUnderTest {
  readonly database: TestDatabase;
  readonly service: RunningService;
  readonly url: string;
  close(): Promise<void>;
}

export const OPERATOR_KEY = `operator-key-${randomUUID()}`;

/**
 * Starts the routing service with its own consumer group, starting at the end of its topics, on a fresh database
 * (dropped on close) or on `database` (left for its owner).
 */
export async function startRouting(
  files: { network: string; ruleset?: string },
  options: { env?: Record<string, string>; database?: TestDatabase } = {},
): Promise<RoutingUnderTest> {
  const database = options.database ?? (await createTestDatabase('routing service'));
  const dropDatabase = () => (options.database ? Promise.resolve() : database.drop());
  const definition = { ...routingService, name: `routing-${runId}` };
  try {
    if (options.env?.['MESSAGING_TRANSPORT'] !== 'embedded') await startGroupAtEnd(definition.name, definition.consumes);
    const service = await startService(definition, {
      env: {
        DATABASE_URL: database.url,
        KAFKA_BROKERS: brokers().join(','),
        PORT: '0',
        LOG_LEVEL: 'warn',
        NETWORK_FILE: files.network,
        ...(files.ruleset ? { RULESET_FILE: files.ruleset } : {}),
        OPERATOR_API_KEY: OPERATOR_KEY,
        ...options.env,
      },
      writeLog: () => undefined,
    });
    return {
      database,
      service,
      url: service.url,
      close: async () => {
        await service.close();
        await dropDatabase();
      },
    };
  } catch (error) {
    await dropDatabase();
    throw error;
  }
}

/** A directory for this run's configuration files, removed by `remove()`. */
export function configDirectory(): { write(name: string, content: unknown): string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `routing-${runId}-`));
  return {
    write: (name, content) => {
      const path = join(dir, name);
      writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
      return path;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

const metadata = (correlationId: string, occurredAt: number) => ({ eventId: randomUUID(), occurredAt, correlationId, causationId: null });

/** A fixed decision time (a Friday, 10:00 UTC), so cutoffs and delivery dates never depend on when the tests run. */
export const DECISION_TIME = Date.UTC(2026, 10, 27, 10, 0, 0);

export type LineSpec = { sku: string; quantity: number; unitWeightGrams?: number; lineId?: string };

/** Events as inventory and the saga would send them. */
export const send = {
  stockLevel: (sku: string, locationId: string, available: number, occurredAt = Date.now()): EventOf<'StockLevelChanged'> => ({
    type: 'StockLevelChanged',
    payload: { metadata: metadata(`${sku}@${locationId}`, occurredAt), sku, locationId, onHand: available, reserved: 0, safetyStock: 0, available },
  }),
  routeOrder: (
    orderId: string,
    lines: readonly LineSpec[],
    options: Partial<Omit<EventPayload<'RouteOrder'>, 'metadata' | 'orderId' | 'lines'>> & { occurredAt?: number } = {},
  ): EventOf<'RouteOrder'> => {
    const { occurredAt = DECISION_TIME, ...rest } = options;
    const orderLines: OrderLine[] = lines.map((line, i) => ({
      lineId: line.lineId ?? `${i + 1}`,
      sku: line.sku,
      quantity: line.quantity,
      unitWeightGrams: line.unitWeightGrams ?? null,
      unitPrice: { amount: '10.0000', currency: 'EUR' },
    }));
    return {
      type: 'RouteOrder',
      payload: {
        metadata: metadata(orderId, occurredAt),
        orderId,
        attempt: 1,
        channel: 'web',
        market: 'GB',
        customerTier: 'standard',
        customerPriority: 0,
        destination: {
          recipientName: 'A. Customer',
          line1: '1 High Street',
          line2: null,
          city: 'London',
          region: null,
          postalCode: 'EC1A 1AA',
          countryCode: 'GB',
          coordinates: { latitude: 51.52, longitude: -0.1 },
        },
        serviceLevel: 'STANDARD',
        promisedDate: null,
        backOrderPolicy: 'HOLD',
        lines: orderLines,
        excludedLocationIds: [],
        ...rest,
      },
    };
  },
};

/** The same command sent again as a new message (the saga's retry after its deadline). */
export const resent = <T extends AnyEvent>(event: T): T => ({ ...event, payload: { ...event.payload, metadata: { ...event.payload.metadata, eventId: randomUUID() } } });

/** Messages of each outcome the service's consumer has had so far (applied, ignored, dead-lettered, ...). */
export function consumerStats(service: RunningService): Record<string, number> {
  const [microservice] = service.app.getMicroservices();
  return microservice.unwrap<{ consumer?: { stats: Record<string, number> } }>().consumer?.stats ?? {};
}
