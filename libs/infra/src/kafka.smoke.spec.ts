import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Consumer, type EachMessagePayload } from 'kafkajs';

// Proves the real broker the harness provides: topics by the admin client, keyed produce, and a consumer
// group whose committed offsets a second member of the group resumes from.
describe('Kafka smoke (real broker)', () => {
  const brokers = (process.env['KAFKA_BROKERS'] ?? '').split(',');
  const kafka = new Kafka({ clientId: 'infra-smoke', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const topic = `smoke.${randomUUID()}`;
  const groupId = `smoke-group-${randomUUID()}`;
  const consumers: Consumer[] = [];

  beforeAll(async () => {
    expect(brokers[0]).toMatch(/:\d+$/);
    await admin.connect();
    await producer.connect();
  });

  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.disconnect()));
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  async function consume(count: number): Promise<EachMessagePayload[]> {
    const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    // By partition and offset: delivery is at least once, and a message handed over again (after a commit that
    // failed during a rebalance, which a loaded machine makes likely) is the same message, counted once.
    const received = new Map<string, EachMessagePayload>();
    await new Promise<void>((resolve, reject) => {
      // Generous: joining the group can take long on a loaded machine; a passing run never waits it out.
      const timer = setTimeout(() => reject(new Error(`received ${received.size} of ${count} messages`)), 60_000);
      consumer
        .run({
          autoCommit: false,
          eachMessage: async (payload) => {
            received.set(`${payload.partition}/${payload.message.offset}`, payload);
            const next = (BigInt(payload.message.offset) + 1n).toString();
            await consumer.commitOffsets([{ topic, partition: payload.partition, offset: next }]);
            if (received.size === count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    // In log order within each partition.
    return [...received.values()].sort((a, b) => a.partition - b.partition || Number(BigInt(a.message.offset) - BigInt(b.message.offset)));
  }

  it('creates a topic with three partitions through the admin client', async () => {
    await expect(admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true })).resolves.toBe(true);
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0]?.partitions).toHaveLength(3);
  });

  it('keeps each key on one partition, in the order produced', async () => {
    const messages = Array.from({ length: 30 }, (_, i) => ({ key: `order-${i % 5}`, value: `event-${i}` }));
    await producer.send({ topic, messages });

    const received = await consume(30);

    const byKey = new Map<string, { partitions: Set<number>; values: string[] }>();
    for (const { partition, message } of received) {
      const key = message.key?.toString() ?? '';
      const entry = byKey.get(key) ?? { partitions: new Set<number>(), values: [] };
      entry.partitions.add(partition);
      entry.values.push(message.value?.toString() ?? '');
      byKey.set(key, entry);
    }
    expect(byKey.size).toBe(5);
    for (const [key, { partitions, values }] of byKey) {
      expect(partitions.size).toBe(1);
      const expected = messages.filter((m) => m.key === key).map((m) => m.value);
      expect(values).toEqual(expected);
    }
  });

  it('commits offsets, so the next member of the group resumes after them', async () => {
    const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    const highWatermarks = await admin.fetchTopicOffsets(topic);
    const committedByPartition = new Map(committed[0]?.partitions.map((p) => [p.partition, p.offset]));
    for (const { partition, high } of highWatermarks) expect(committedByPartition.get(partition)).toBe(high);

    await producer.send({ topic, messages: [{ key: 'order-late', value: 'after-commit' }] });
    const resumed = await consume(1);

    expect(resumed.map((r) => r.message.value?.toString())).toEqual(['after-commit']);
  });
});
