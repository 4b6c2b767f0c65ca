import { createTestDatabase, type TestDatabase } from '@switchyard/infra';
import { Partitioners } from 'kafkajs';
import { DataSource } from 'typeorm';
import { eventually } from '../testing/eventually';
import { uniqueName } from '../testing/messaging-test-kit';
import { describeTransportContract } from '../testing/transport-contract';
import { ConsumedMessage, Transport } from '../transport/transport';
import { embeddedTransportMigration } from './embedded-migration';
import { createEmbeddedTransport } from './embedded-transport';
import { partitionForKey } from './partitioner';

async function openLog(database: TestDatabase): Promise<DataSource> {
  const dataSource = new DataSource({ type: 'postgres', url: database.url, migrations: [embeddedTransportMigration()], extra: { max: 10 } });
  await dataSource.initialize();
  await dataSource.runMigrations();
  return dataSource;
}

// The same contract the Kafka transport passes; every create() is a restart over the same tables.
describeTransportContract('embedded', async () => {
  const database = await createTestDatabase('embedded contract');
  const dataSource = await openLog(database);
  return {
    create: () => createEmbeddedTransport({ dataSource, idlePollMs: 50, restartDelayMs: 20 }),
    dispose: async () => {
      await dataSource.destroy();
      await database.drop();
    },
  };
});

describe('embedded transport', () => {
  let database: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase('embedded transport');
    dataSource = await openLog(database);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  async function topicWith(transport: Transport, partitions: number, messages: Array<{ key: string; value: string }>): Promise<string> {
    const topic = uniqueName('embedded');
    const admin = transport.admin();
    await admin.connect();
    await admin.createTopics([{ topic, partitions, replicationFactor: 1 }]);
    if (messages.length > 0) await send(transport, topic, messages);
    return topic;
  }

  async function send(transport: Transport, topic: string, messages: Array<{ key: string; value: string }>): Promise<void> {
    const producer = transport.producer();
    await producer.connect();
    await producer.send([{ topic, messages: messages.map((m) => ({ key: m.key, value: Buffer.from(m.value), headers: { id: m.value } })) }]);
  }

  /** Consumes until `count` messages were handed over, marking and committing each batch unless told otherwise. */
  async function consume(transport: Transport, options: { topic: string; groupId: string; count: number; commit?: boolean; members?: number; afterJoin?: () => Promise<void> }) {
    const received: Array<ConsumedMessage & { member: number }> = [];
    const consumers = Array.from({ length: options.members ?? 1 }, () => transport.consumer({ groupId: options.groupId }));
    for (const [member, consumer] of consumers.entries()) {
      await consumer.connect();
      await consumer.subscribe({ topics: [options.topic], fromBeginning: true });
      await consumer.run({
        eachBatch: async (batch) => {
          for (const message of batch.messages) {
            received.push({ ...message, member });
            batch.markProcessed(message);
          }
          if (options.commit !== false) await batch.commit();
        },
      });
    }
    // run() resolves once the member holds its partitions.
    await options.afterJoin?.();
    await eventually(() => expect(received.length).toBeGreaterThanOrEqual(options.count));
    await Promise.all(consumers.map((c) => c.disconnect()));
    return received;
  }

  it("puts a key on the partition Kafka's default partitioner picks", () => {
    const kafkaPartitioner = Partitioners.DefaultPartitioner();
    for (const partitions of [1, 3, 12]) {
      const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
      for (let i = 0; i < 500; i++) {
        const key = `order-${i}-${'x'.repeat(i % 7)}-ü`;
        expect(partitionForKey(key, partitions)).toBe(kafkaPartitioner({ topic: 't', partitionMetadata, message: { key, value: null } }));
      }
    }
  });

  it('keeps messages and committed offsets across a restart, and replays from an offset', async () => {
    const before = createEmbeddedTransport({ dataSource, idlePollMs: 20 });
    const topic = await topicWith(before, 1, Array.from({ length: 6 }, (_, i) => ({ key: 'order-1', value: `m${i}` })));
    const groupId = uniqueName('group');
    const first = await consume(before, { topic, groupId, count: 6 });
    expect(first.map((m) => m.headers['id'])).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5']);

    // A restart: a new data source and transport over the same tables.
    const reopened = new DataSource({ type: 'postgres', url: database.url });
    await reopened.initialize();
    try {
      const after = createEmbeddedTransport({ dataSource: reopened, idlePollMs: 20 });
      const producer = after.producer();
      await producer.send([{ topic, messages: [{ key: 'order-1', value: Buffer.from('m6'), headers: { id: 'm6' } }] }]);
      const resumed = await consume(after, { topic, groupId, count: 1 });
      expect(resumed.map((m) => m.headers['id'])).toEqual(['m6']);

      const admin = after.admin();
      expect(await admin.committedOffsets(groupId, topic)).toEqual([{ partition: 0, offset: '7' }]);
      expect(await admin.endOffsets(topic)).toEqual([{ partition: 0, offset: '7' }]);

      // Replay: seek back to offset 2 on a running member.
      const replayed: string[] = [];
      const consumer = after.consumer({ groupId });
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        eachBatch: async (batch) => {
          for (const message of batch.messages) {
            replayed.push(String(message.headers['id']));
            batch.markProcessed(message);
          }
        },
      });
      consumer.seek({ topic, partition: 0, offset: '2' });
      await eventually(() => expect(replayed).toEqual(['m2', 'm3', 'm4', 'm5', 'm6']));
      await consumer.disconnect();
    } finally {
      await reopened.destroy();
    }
  });

  it('redelivers what was not committed to the next member after a restart', async () => {
    const transport = createEmbeddedTransport({ dataSource, idlePollMs: 20 });
    const topic = await topicWith(transport, 2, Array.from({ length: 4 }, (_, i) => ({ key: `k${i}`, value: `m${i}` })));
    const groupId = uniqueName('group');
    await consume(transport, { topic, groupId, count: 4, commit: false });
    const again = await consume(createEmbeddedTransport({ dataSource, idlePollMs: 20 }), { topic, groupId, count: 4 });
    expect(again.map((m) => m.headers['id']).sort()).toEqual(['m0', 'm1', 'm2', 'm3']);
  });

  it('deals partitions among the members of a group, each partition to one member', async () => {
    const transport = createEmbeddedTransport({ dataSource, idlePollMs: 20 });
    const messages = Array.from({ length: 40 }, (_, i) => ({ key: `key-${i % 8}`, value: `m${i}` }));
    // Sent once both members hold their partitions: sent before, the first member could read them all before
    // the second joins, and the test would depend on who is faster.
    const topic = await topicWith(transport, 4, []);
    const received = await consume(transport, { topic, groupId: uniqueName('group'), count: 40, members: 2, afterJoin: () => send(transport, topic, messages) });

    const membersByPartition = new Map<number, Set<number>>();
    for (const m of received) membersByPartition.set(m.partition, (membersByPartition.get(m.partition) ?? new Set()).add(m.member));
    expect(received).toHaveLength(40);
    expect(new Set(received.map((m) => m.member)).size).toBe(2);
    for (const members of membersByPartition.values()) expect(members.size).toBe(1);
  });

  it('rejects a topic that was never created, naming it', async () => {
    const producer = createEmbeddedTransport({ dataSource }).producer();
    await expect(producer.send([{ topic: 'no.such.topic', messages: [{ key: 'k', value: Buffer.from('v'), headers: {} }] }])).rejects.toThrow(
      /Topic "no.such.topic" does not exist on the embedded/,
    );
  });
});
