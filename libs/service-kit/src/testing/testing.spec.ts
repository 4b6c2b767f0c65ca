import { randomUUID } from 'node:crypto';
import { EventOf } from '@switchyard/contracts';
import { ensureTopics, Headers, type Transport, type TransportConsumer } from '@switchyard/messaging';
import { eventually, expectCount, groupCaughtUp, publish, publishRaw, testTransport, TopicReader, uniqueNamespace } from '.';

// The shared test kit's broker helpers on the real broker, in a namespace of this file's own.
const namespace = uniqueNamespace('spec-kit-testing');
let transport: Transport;

function adjusted(sku: string): EventOf<'StockAdjusted'> {
  return {
    type: 'StockAdjusted',
    payload: {
      metadata: { eventId: randomUUID(), occurredAt: 1_795_000_000_000, correlationId: sku, causationId: null },
      locationId: 'dc-kit',
      sku,
      quantityDelta: 1,
      onHandAfter: 1,
      reason: 'CYCLE_COUNT',
      reference: null,
    },
  };
}

beforeAll(() => {
  transport = testTransport(namespace);
});

describe('TopicReader', () => {
  it('reads events decoded, and dead letters raw with their key and headers', async () => {
    const reader = await TopicReader.start(transport, ['inventory.events', 'inventory.commands.dlq']);
    try {
      const event = adjusted('SKU-READ');
      await publish(transport, [event]);
      await publishRaw(transport, 'inventory.commands.dlq', 'broken-key', Buffer.from('not avro'), { 'switchyard-dlq-reason': 'malformed:invalid-body' });
      const [read] = await eventually(() => expectCount(reader.of('StockAdjusted', (p) => p.sku === 'SKU-READ'), 1, 'events'));
      expect(read?.payload.metadata.eventId).toBe(event.payload.metadata.eventId);
      const dead = await reader.deadLetter('broken-key');
      expect(dead).toMatchObject({ topic: 'inventory.commands.dlq', key: 'broken-key', event: undefined, headers: { 'switchyard-dlq-reason': 'malformed:invalid-body' } });
      expect(dead.headers[Headers.messageId]).toMatch(/^[0-9a-f-]{36}$/);
      expect(reader.deadLetters()).toHaveLength(1);
      expect(reader.received.find((m) => m.topic === 'inventory.events')?.key).toBe('SKU-READ@dc-kit');
    } finally {
      await reader.stop();
    }
  });

  it('caughtUp() returns once everything published before it was read', async () => {
    const reader = await TopicReader.start(transport, ['inventory.events']);
    try {
      const skus = Array.from({ length: 12 }, (_, i) => `SKU-CAUGHT-${i}`);
      await publish(transport, skus.map(adjusted));
      await reader.caughtUp();
      expect(reader.of('StockAdjusted', (p) => p.sku.startsWith('SKU-CAUGHT-')).map((e) => e.payload.sku).sort()).toEqual([...skus].sort());
    } finally {
      await reader.stop();
    }
  });
});

describe('groupCaughtUp', () => {
  const topic = 'kit.lag.probe';
  let consumer: TransportConsumer | undefined;

  afterEach(async () => {
    await consumer?.disconnect();
    consumer = undefined;
  });

  it('waits for the group to commit everything the topic held, and fails while it has not', async () => {
    await ensureTopics(transport, [topic], { partitions: 3, replicationFactor: 1 });
    for (let i = 0; i < 6; i++) await publishRaw(transport, topic, `key-${i}`, Buffer.from(`value-${i}`));
    await expect(groupCaughtUp(transport, 'kit-lag-group', [topic], 300)).rejects.toThrow(/group kit-lag-group has committed kit\.lag\.probe\/\d up to nothing/);

    const seen: string[] = [];
    consumer = transport.consumer({ groupId: 'kit-lag-group' });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachBatch: async (batch) => {
        for (const message of batch.messages) {
          seen.push(message.key ?? '');
          batch.markProcessed(message);
        }
        await batch.commit();
      },
    });
    await groupCaughtUp(transport, 'kit-lag-group', [topic]);
    expect(seen.sort()).toEqual(['key-0', 'key-1', 'key-2', 'key-3', 'key-4', 'key-5']);
  });
});
