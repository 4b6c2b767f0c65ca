import { randomUUID } from 'node:crypto';
import { Controller, Module } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { EventOf } from '@switchyard/contracts';
import { ensureTopics, Headers, SwitchyardContext, type Transport, type TransportConsumer } from '@switchyard/messaging';
import { DataSource, type MigrationInterface, type QueryRunner } from 'typeorm';
import type { ServiceDefinition } from '../start-service';
import { consumerStats, eventually, expectCount, groupCaughtUp, publish, publishRaw, startServiceUnderTest, testTransport, TopicReader, uniqueNamespace } from '.';

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
      await publish(transport, [adjusted('SKU-READ')]);
      const both = await reader.waitFor('StockAdjusted', (p) => p.sku === 'SKU-READ', 2);
      expect(both.map((e) => e.payload.metadata.eventId)).toEqual([event.payload.metadata.eventId, expect.any(String)]);
      await expect(reader.waitFor('StockAdjusted', (p) => p.sku === 'SKU-READ', 3, 300)).rejects.toThrow(/waiting for 3 StockAdjusted event\(s\) that match; 2 so far/);
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

// A small service that keeps the last count of each SKU it reads on inventory.events.
class CreateLastCounts1795000000600 implements MigrationInterface {
  name = 'CreateLastCounts1795000000600';
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE kit_counts.last_counts (sku text PRIMARY KEY, on_hand integer NOT NULL)`);
  }
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE kit_counts.last_counts`);
  }
}

@Controller()
class LastCounts {
  @EventPattern('StockAdjusted')
  async adjusted(@Payload() event: EventOf<'StockAdjusted'>, @Ctx() ctx: SwitchyardContext): Promise<void> {
    await ctx.entityManager.query(`INSERT INTO kit_counts.last_counts VALUES ($1, $2) ON CONFLICT (sku) DO UPDATE SET on_hand = EXCLUDED.on_hand`, [
      event.payload.sku,
      event.payload.onHandAfter,
    ]);
  }
}

@Module({ controllers: [LastCounts] })
class LastCountsModule {}

const lastCounts: ServiceDefinition = { name: 'kit-counts', schema: 'kit_counts', module: LastCountsModule, consumes: ['inventory.events'], migrations: [CreateLastCounts1795000000600] };

describe('startServiceUnderTest', () => {
  it('runs a service in a namespace of its own; consumerStats and groupCaughtUp see what it applied; it restarts on a database it is given', async () => {
    const quiet = { writeLog: () => undefined };
    const first = await startServiceUnderTest(lastCounts, {}, quiet);
    let second: Awaited<ReturnType<typeof startServiceUnderTest>> | undefined;
    try {
      expect(first.namespace).toMatch(/^kit-counts-[0-9a-f]{8}$/);
      await publish(first.transport, [adjusted('SKU-SUT-1'), adjusted('SKU-SUT-2')]);
      await groupCaughtUp(first.transport, 'kit-counts', ['inventory.events']);
      expect(consumerStats(first.service).applied).toBe(2);
      await first.service.close();

      second = await startServiceUnderTest(lastCounts, { TOPIC_NAMESPACE: first.namespace }, { ...quiet, database: first.database });
      await publish(second.transport, [adjusted('SKU-SUT-3')]);
      await groupCaughtUp(second.transport, 'kit-counts', ['inventory.events']);
      // The group resumed where the first instance committed: one new message, and the rows of both are there.
      expect(consumerStats(second.service).applied).toBe(1);
      expect(await second.service.dataSource.query(`SELECT sku FROM kit_counts.last_counts ORDER BY sku`)).toEqual([{ sku: 'SKU-SUT-1' }, { sku: 'SKU-SUT-2' }, { sku: 'SKU-SUT-3' }]);
      await second.stop();
      // Given a database, stop() leaves it to its owner.
      const owner = new DataSource({ type: 'postgres', url: first.database.url });
      await owner.initialize();
      expect(await owner.query(`SELECT count(*)::int AS n FROM kit_counts.last_counts`)).toEqual([{ n: 3 }]);
      await owner.destroy();
    } finally {
      await second?.service.close();
      await first.stop().catch(() => undefined);
    }
  });
});
