import { randomUUID } from 'node:crypto';
import { AnyEvent, DecodedEvent, EventCodec, EventOf, EventPayload, EventType, keyOf, topicOf } from '@switchyard/contracts';
import { createTestDatabase, type TestDatabase } from '@switchyard/infra';
import { Headers } from '@switchyard/messaging';
import { RunningService, serviceMigrations, startService } from '@switchyard/service-kit';
import { Consumer, Kafka, logLevel, Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { inventoryService } from '../inventory.definition';

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

/** Ids unique to one test file's run, so a broker shared with other runs and other services' tests cannot confuse them. */
export const runId = randomUUID().slice(0, 8);

export function brokers(): string[] {
  const list = process.env['KAFKA_BROKERS'];
  if (!list) throw new Error('KAFKA_BROKERS is not set: run `eval "$(npm run -s infra:up)"` first, or run through `npm test` / the project jest config.');
  return list.split(',');
}

const kafka = () => new Kafka({ clientId: `inventory-test-${runId}`, brokers: brokers(), logLevel: logLevel.NOTHING });

/**
 * Commits, for a group that never ran, the current end of these topics, so it starts with what is published from
 * now on (the shared broker holds other runs' messages). One join of the group, unlike kafkajs' resetOffsets per topic.
 */
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

const metadata = (correlationId: string) => ({ eventId: randomUUID(), occurredAt: Date.now(), correlationId, causationId: null });

/** Events as the saga, the locations and the warehouses would send them. */
export const send = {
  reserve: (orderId: string, reservationId: string, items: EventPayload<'ReserveStock'>['items']): EventOf<'ReserveStock'> => ({
    type: 'ReserveStock',
    payload: { metadata: metadata(orderId), orderId, reservationId, items },
  }),
  release: (orderId: string, reservationId: string, items: EventPayload<'ReleaseStock'>['items'] = []): EventOf<'ReleaseStock'> => ({
    type: 'ReleaseStock',
    payload: { metadata: metadata(orderId), orderId, reservationId, items, reason: 'ORDER_CANCELLED' },
  }),
  count: (sku: string, locationId: string, onHandAfter: number, quantityDelta = onHandAfter): EventOf<'StockAdjusted'> => ({
    type: 'StockAdjusted',
    payload: { metadata: metadata(`${sku}@${locationId}`), sku, locationId, quantityDelta, onHandAfter, reason: 'CYCLE_COUNT', reference: `count-${runId}` },
  }),
  dispatched: (orderId: string, locationId: string, lines: EventPayload<'ShipmentDispatched'>['lines']): EventOf<'ShipmentDispatched'> => ({
    type: 'ShipmentDispatched',
    payload: {
      metadata: metadata(orderId),
      orderId,
      fulfilmentId: `${orderId}-${locationId}`,
      locationId,
      carrier: { carrierId: 'dhl', serviceCode: 'PARCEL' },
      trackingNumber: randomUUID(),
      trackingUrl: null,
      lines,
    },
  }),
};

export interface DeadLetter {
  readonly key: string | null;
  readonly headers: Record<string, string>;
}

/**
 * The world around the inventory service on the shared broker: a producer for what others send it, and a reader
 * of everything on inventory.events (and the commands' dead letters) from the moment it was created.
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
    const groupId = `inventory-test-reader-${runId}-${randomUUID().slice(0, 8)}`;
    const topics = ['inventory.events', 'inventory.commands.dlq'];
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

  /** Publishes events to their own topics, keyed as the contracts say, each with a fresh message id. */
  async publish(...events: AnyEvent[]): Promise<void> {
    const byTopic = new Map<string, { key: string; value: Buffer; headers: Record<string, string> }[]>();
    for (const event of events) {
      const messages = byTopic.get(topicOf(event)) ?? [];
      messages.push({ key: keyOf(event), value: this.codec.encodeEvent(event), headers: { [Headers.messageId]: randomUUID(), [Headers.eventType]: event.type } });
      byTopic.set(topicOf(event), messages);
    }
    await this.producer.sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
  }

  /** Publishes raw bytes, as a broken producer would. */
  async publishRaw(topic: string, key: string, value: Buffer): Promise<void> {
    await this.producer.send({ topic, messages: [{ key, value, headers: { [Headers.messageId]: randomUUID() } }] });
  }

  /** Every event of this type received so far that matches. */
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

export interface InventoryUnderTest {
  readonly database: TestDatabase;
  readonly instances: RunningService[];
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts `instances` copies of the inventory service on a fresh database, in one consumer group of this run's own
 * (other runs on the shared broker have theirs), starting at the end of the topics it reads.
 */
export async function startInventory(options: { instances?: number; env?: Record<string, string> } = {}): Promise<InventoryUnderTest> {
  const database = await createTestDatabase('inventory service');
  const definition = { ...inventoryService, name: `inventory-${runId}` };
  await startGroupAtEnd(definition.name, definition.consumes);
  const instances: RunningService[] = [];
  try {
    for (let i = 0; i < (options.instances ?? 1); i++) {
      instances.push(
        await startService(definition, {
          env: { DATABASE_URL: database.url, KAFKA_BROKERS: brokers().join(','), PORT: '0', LOG_LEVEL: 'warn', ...options.env },
          writeLog: () => undefined,
        }),
      );
    }
  } catch (error) {
    await Promise.all(instances.map((s) => s.close()));
    await database.drop();
    throw error;
  }
  if (instances.length > 1) await groupStable(definition.name, instances.length);
  return {
    database,
    instances,
    url: instances[0].url,
    close: async () => {
      for (const instance of instances) await instance.close();
      await database.drop();
    },
  };
}

/** Waits until every instance has joined the group and holds partitions, so work really spreads over them. */
async function groupStable(groupId: string, members: number): Promise<void> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    await eventually(async () => {
      const {
        groups: [group],
      } = await admin.describeGroups([groupId]);
      if (group?.state !== 'Stable' || group.members.length !== members) throw new Error(`group ${groupId} is ${group?.state} with ${group?.members.length} of ${members} members`);
    });
  } finally {
    await admin.disconnect();
  }
}

/** Messages each instance's consumer applied so far. */
export function appliedBy(instance: RunningService): number {
  const [microservice] = instance.app.getMicroservices();
  return microservice.unwrap<{ consumer?: { stats: { applied: number } } }>().consumer?.stats.applied ?? 0;
}

/** A fresh database migrated as the service migrates it, with a pool of `connections`: for tests below the transport. */
export async function openInventoryDatabase(connections: number): Promise<{ dataSource: DataSource; close(): Promise<void> }> {
  const database = await createTestDatabase('inventory ledger');
  const dataSource = new DataSource({ type: 'postgres', url: database.url, migrations: serviceMigrations(inventoryService), extra: { max: connections } });
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  return {
    dataSource,
    close: async () => {
      await dataSource.destroy();
      await database.drop();
    },
  };
}

/** The ledger and balances, for invariant checks. */
export interface Balance {
  sku: string;
  locationId: string;
  onHand: number;
  reserved: number;
  ledgerOnHand: number;
  ledgerReserved: number;
}

export async function balances(dataSource: DataSource, skus: readonly string[]): Promise<Balance[]> {
  return dataSource.query(
    `SELECT s.sku, s.location_id AS "locationId", s.on_hand AS "onHand", s.reserved,
            COALESCE(sum(m.on_hand_delta), 0)::int AS "ledgerOnHand", COALESCE(sum(m.reserved_delta), 0)::int AS "ledgerReserved"
     FROM inventory.stock_levels s LEFT JOIN inventory.stock_movements m ON m.sku = s.sku AND m.location_id = s.location_id
     WHERE s.sku = ANY($1) GROUP BY s.sku, s.location_id ORDER BY s.sku, s.location_id`,
    [skus],
  );
}
