import { EventCodec, EventOf } from '@switchyard/contracts';
import { EventConsumer, EventConsumerOptions, EventHandlers } from '../consumer/event-consumer';
import { FatalError, RetriableError } from '../errors';
import { DeadLetterHeaders, Headers } from '../headers';
import { deadLetterTopic } from '../names';
import { Outbox } from '../outbox/outbox';
import { OutboxRelay } from '../outbox/relay';
import { ensureTopics } from '../topics';
import { ConsumedMessage, Transport } from '../transport/transport';
import { eventually } from './eventually';
import { withCommitsLost, withFailingSends } from './faults';
import { createMessagingTestDatabase, Effect, MessagingTestDatabase, readTopic, recordEffect, stockAdjusted, uniqueName } from './messaging-test-kit';

/**
 * Instances of one broker under test. `create()` may be called several times: each call is a new client of the
 * same broker (for Kafka, a new kafkajs client; for the embedded transport, a new instance over the same
 * storage, i.e. a restart), so that what one instance committed, the next one sees.
 */
export interface TransportFactory {
  create(): Transport;
  /** Releases what the factory holds (called once, after the suite). */
  dispose(): Promise<void>;
}

const PARTITIONS = 3;

/**
 * The transport contract as executable cases, run against real PostgreSQL through the outbox, relay, inbox and
 * consumer above the transport. Call it from a spec: `describeTransportContract('kafka', async () => ({ create, dispose }))`.
 */
export function describeTransportContract(name: string, makeTransportFactory: () => Promise<TransportFactory>): void {
  describe(`transport contract: ${name}`, () => {
    let factory: TransportFactory;
    let transport: Transport;
    let db: MessagingTestDatabase;
    let outbox: Outbox;
    const running: { stop(): Promise<void> }[] = [];
    const codec = new EventCodec();

    beforeAll(async () => {
      factory = await makeTransportFactory();
      transport = factory.create();
      db = await createMessagingTestDatabase(`messaging contract ${name}`);
      outbox = new Outbox({ schema: db.schema, codec });
    });

    afterEach(async () => {
      // Newest first: consumers stop before the relays that feed them.
      while (running.length > 0) await running.pop()?.stop();
    });

    afterAll(async () => {
      await db?.close();
      await factory?.dispose();
    });

    async function newTopic(): Promise<string> {
      const topic = uniqueName('contract');
      await ensureTopics(transport, [topic], { partitions: PARTITIONS, replicationFactor: 1 });
      return topic;
    }

    async function publish(topic: string, events: { sku: string; seq: number }[]): Promise<void> {
      await db.dataSource.transaction((em) => outbox.add(em, events.map(({ sku, seq }) => stockAdjusted(topic, sku, seq))));
    }

    async function startRelay(on: Transport = transport): Promise<OutboxRelay> {
      const relay = new OutboxRelay({ dataSource: db.dataSource, schema: db.schema, transport: on, batchSize: 50, pollIntervalMs: 200, standbyRetryMs: 200, maxBackoffMs: 200 });
      running.push(relay);
      await relay.start();
      return relay;
    }

    async function startConsumer(options: Partial<EventConsumerOptions> & { topics: string[]; groupId: string }): Promise<EventConsumer> {
      const handlers: EventHandlers = { StockAdjusted: (event, context) => recordEffect(event, context, db.schema) };
      const consumer = new EventConsumer({
        transport,
        dataSource: db.dataSource,
        schema: db.schema,
        codec,
        handlers,
        retry: { maxAttempts: 3, initialBackoffMs: 10, maxBackoffMs: 50 },
        ...options,
      });
      running.push(consumer);
      await consumer.start();
      return consumer;
    }

    async function effectsReach(groupId: string, count: number): Promise<Effect[]> {
      return eventually(async () => {
        const effects = await db.effects(groupId);
        if (effects.length < count) throw new Error(`${effects.length} of ${count} effects applied for ${groupId}`);
        return effects;
      });
    }

    async function expectAllCommitted(groupId: string, topic: string, on: Transport = transport): Promise<void> {
      const admin = on.admin();
      await admin.connect();
      try {
        await eventually(async () => {
          const committed = new Map((await admin.committedOffsets(groupId, topic)).map((p) => [p.partition, p.offset]));
          // An empty partition has nothing to commit: "-1" (never committed) then means caught up.
          const behind = (await admin.endOffsets(topic)).filter(({ partition, offset }) => {
            const at = committed.get(partition) ?? '-1';
            return at !== offset && !(at === '-1' && offset === '0');
          });
          expect(behind).toEqual([]);
        });
      } finally {
        await admin.disconnect();
      }
    }

    function seqsByKey(effects: Effect[]): Map<string, number[]> {
      const byKey = new Map<string, number[]>();
      for (const { key, seq } of effects) byKey.set(key, [...(byKey.get(key) ?? []), seq]);
      return byKey;
    }

    it('delivers each key in the order its events were added, one partition per key, each once', async () => {
      const topic = await newTopic();
      const groupId = uniqueName('group');
      const skus = ['SKU-A', 'SKU-B', 'SKU-C', 'SKU-D', 'SKU-E', 'SKU-F'];
      // Six transactions, each interleaving all keys: per key, seq rises across and within transactions.
      for (let round = 0; round < 6; round++) await publish(topic, skus.map((sku, i) => ({ sku, seq: round * 10 + i })));
      await startRelay();
      await startConsumer({ topics: [topic], groupId, partitionsConsumedConcurrently: PARTITIONS });

      const effects = await effectsReach(groupId, 36);

      expect(effects).toHaveLength(36);
      expect(new Set(effects.map((e) => e.messageId)).size).toBe(36);
      for (const [key, seqs] of seqsByKey(effects)) {
        expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
        expect(new Set(effects.filter((e) => e.key === key).map((e) => e.partition)).size).toBe(1);
      }
      expect(seqsByKey(effects).size).toBe(6);
      await expectAllCommitted(groupId, topic);
    });

    it('publishes through one relay per schema at a time; a standby takes over when it stops', async () => {
      const topic = await newTopic();
      const groupId = uniqueName('group');
      const first = await startRelay();
      const second = await startRelay();
      await eventually(() => expect([first.isLeader, second.isLeader].filter(Boolean)).toHaveLength(1));
      const [leader, standby] = first.isLeader ? [first, second] : [second, first];

      await publish(topic, [1, 2, 3].map((seq) => ({ sku: 'SKU-LEAD', seq })));
      await eventually(async () => expect(await db.outboxCount()).toBe(0));
      expect(standby.publishedCount).toBe(0);
      await leader.stop();
      await eventually(() => expect(standby.isLeader).toBe(true));
      await publish(topic, [4, 5, 6].map((seq) => ({ sku: 'SKU-LEAD', seq })));
      await startConsumer({ topics: [topic], groupId });

      const effects = await effectsReach(groupId, 6);
      expect(effects.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
      // The relay counts a batch after deleting its rows, which may be after the consumer applied it.
      await eventually(() => expect(standby.publishedCount).toBe(3));
    });

    it('applies a message redelivered after its consumer was killed only once (inbox)', async () => {
      const topic = await newTopic();
      const groupId = uniqueName('group');
      await publish(topic, Array.from({ length: 9 }, (_, i) => ({ sku: `SKU-${i % 3}`, seq: i })));
      await startRelay();
      // The first member's transactions commit, but its offset commits never reach the broker: killed right after each transaction.
      const killed = await startConsumer({ topics: [topic], groupId, transport: withCommitsLost(transport) });
      await effectsReach(groupId, 9);
      await killed.stop();
      const admin = transport.admin();
      await admin.connect();
      const committed = await admin.committedOffsets(groupId, topic);
      await admin.disconnect();
      expect(committed.every((p) => p.offset === '-1')).toBe(true);

      const successor = await startConsumer({ topics: [topic], groupId });
      await eventually(() => expect(successor.stats.duplicate).toBe(9));

      expect(successor.stats.applied).toBe(0);
      expect(await db.effects(groupId)).toHaveLength(9);
      await expectAllCommitted(groupId, topic);
    });

    /** Adds `count` events of one key while a relay whose sends fail runs, and stops that relay after its first failure. */
    async function relayDiesWhilePublishing(when: 'before' | 'after', sku: string, count: number): Promise<{ topic: string; groupId: string }> {
      const topic = await newTopic();
      const dying = withFailingSends(transport, when);
      const relay = await startRelay(dying.transport);
      await publish(topic, Array.from({ length: count }, (_, seq) => ({ sku, seq })));
      await eventually(() => expect(dying.failures()).toBeGreaterThan(0));
      await relay.stop();
      expect(await db.outboxCount()).toBe(count);
      return { topic, groupId: uniqueName('group') };
    }

    it('loses nothing when a relay dies before publishing: the rows stay and the next relay publishes them', async () => {
      const { topic, groupId } = await relayDiesWhilePublishing('before', 'SKU-KEPT', 5);

      await startRelay();
      await startConsumer({ topics: [topic], groupId });

      const effects = await effectsReach(groupId, 5);
      expect(effects.map((e) => e.seq)).toEqual([0, 1, 2, 3, 4]);
      await eventually(async () => expect(await db.outboxCount()).toBe(0));
    });

    it('publishes again after a relay dies between publishing and deleting; consumers drop the copies', async () => {
      const { topic, groupId } = await relayDiesWhilePublishing('after', 'SKU-TWICE', 4);

      await startRelay();
      const consumer = await startConsumer({ topics: [topic], groupId });

      await eventually(async () => expect(await db.outboxCount()).toBe(0));
      // Every copy on the topic: at least one per attempt of the dying relay, plus the successor's.
      const admin = transport.admin();
      await admin.connect();
      const copies = (await admin.endOffsets(topic)).reduce((sum, p) => sum + Number(p.offset), 0);
      await admin.disconnect();
      expect(copies).toBeGreaterThanOrEqual(8);
      await eventually(() => expect(consumer.stats.applied + consumer.stats.duplicate).toBe(copies));
      expect(consumer.stats.applied).toBe(4);
      expect((await db.effects(groupId)).map((e) => e.seq)).toEqual([0, 1, 2, 3]);
    });

    it('dead-letters a poison message with why and where, retries transient failures, and moves on', async () => {
      const topic = await newTopic();
      const groupId = uniqueName('group');
      const attemptsBySeq = new Map<number, number>();
      const handlers: EventHandlers = {
        StockAdjusted: async (event: EventOf<'StockAdjusted'>, context) => {
          const seq = event.payload.onHandAfter;
          attemptsBySeq.set(seq, (attemptsBySeq.get(seq) ?? 0) + 1);
          await recordEffect(event, context, db.schema); // rolled back with the transaction when the handler fails
          if (seq === 1) throw new FatalError(`location dc-contract does not stock ${event.payload.sku}`);
          if (seq === 2) throw new Error('downstream keeps timing out');
          if (seq === 3 && context.message.attempt < 3) throw new RetriableError('warehouse system busy');
        },
      };
      await publish(topic, [0, 1, 2, 3, 4].map((seq) => ({ sku: 'SKU-POISON', seq })));
      await startRelay();
      await startConsumer({ topics: [topic], groupId, handlers });

      const effects = await effectsReach(groupId, 3);
      const dead = await readTopic(transport, deadLetterTopic(topic), 2);

      expect(effects.map((e) => e.seq)).toEqual([0, 3, 4]);
      expect([...attemptsBySeq]).toEqual([[0, 1], [1, 1], [2, 3], [3, 3], [4, 1]]);
      const [fatal, exhausted] = dead;
      expect(fatal.headers).toMatchObject({
        [DeadLetterHeaders.reason]: 'fatal-error',
        [DeadLetterHeaders.errorType]: 'FatalError',
        [DeadLetterHeaders.error]: 'location dc-contract does not stock SKU-POISON',
        [DeadLetterHeaders.originalTopic]: topic,
        [DeadLetterHeaders.originalOffset]: '1',
        [DeadLetterHeaders.originalKey]: 'SKU-POISON@dc-contract',
        [DeadLetterHeaders.attempts]: '1',
        [DeadLetterHeaders.consumerGroup]: groupId,
      });
      expect(fatal.headers[DeadLetterHeaders.stack]).toContain('FatalError: location dc-contract does not stock SKU-POISON');
      expect(fatal.headers[DeadLetterHeaders.originalPartition]).toBe(String(effects[0].partition));
      expect(exhausted.headers).toMatchObject({
        [DeadLetterHeaders.reason]: 'retries-exhausted',
        [DeadLetterHeaders.error]: 'downstream keeps timing out',
        [DeadLetterHeaders.attempts]: '3',
        [DeadLetterHeaders.originalOffset]: '2',
      });
      // The DLQ copy keeps the original bytes and message id, so it can be decoded and redriven.
      expect(codec.decode(exhausted.value as Buffer).payload).toMatchObject({ onHandAfter: 2 });
      expect(exhausted.headers[Headers.messageId]).toMatch(/^[0-9a-f-]{36}$/);
      await expectAllCommitted(groupId, topic);
    });

    it('dead-letters malformed bytes at once with the reason, and processes the next message', async () => {
      const topic = await newTopic();
      const groupId = uniqueName('group');
      const valid = codec.encodeEvent(stockAdjusted(topic, 'SKU-RAW', 7).event);
      const unknownFingerprint = Buffer.concat([Buffer.from([0xc3, 0x01]), Buffer.alloc(8, 0xab), valid.subarray(10)]);
      const raw: [string, Buffer][] = [
        ['json', Buffer.from('{"type":"StockAdjusted"}')],
        ['unknown', unknownFingerprint],
        ['header-cut', valid.subarray(0, 6)],
        ['body-cut', valid.subarray(0, valid.length - 4)],
        ['valid', valid],
      ];
      const producer = transport.producer();
      await producer.connect();
      // One key: all five on one partition, in this order.
      await producer.send([{ topic, messages: raw.map(([label, value]) => ({ key: 'SKU-RAW@dc-contract', value, headers: { [Headers.messageId]: `raw-${label}-${topic}` } })) }]);
      await producer.disconnect();
      const consumer = await startConsumer({ topics: [topic], groupId });

      const effects = await effectsReach(groupId, 1);
      const dead = await readTopic(transport, deadLetterTopic(topic), 4);

      expect(effects.map((e) => e.seq)).toEqual([7]);
      expect(dead.map((m) => m.headers[DeadLetterHeaders.reason])).toEqual([
        'malformed:not-single-object-encoding',
        'malformed:unknown-fingerprint',
        'malformed:truncated',
        'malformed:truncated',
      ]);
      expect(dead.map((m) => m.headers[DeadLetterHeaders.originalOffset])).toEqual(['0', '1', '2', '3']);
      expect(dead[0].headers[DeadLetterHeaders.error]).toMatch(new RegExp(`${topic.replace(/\./g, '\\.')}/\\d+@0 cannot be decoded: .*C3 01`));
      expect(dead[1].headers[DeadLetterHeaders.error]).toContain('abababababababab');
      expect(dead.every((m: ConsumedMessage) => m.headers[DeadLetterHeaders.attempts] === '0')).toBe(true);
      expect(consumer.stats['dead-lettered']).toBe(4);
      await expectAllCommitted(groupId, topic);
    });

    it('resumes a restarted consumer group from its committed offsets', async () => {
      const topic = await newTopic();
      const groupId = uniqueName('group');
      await publish(topic, [0, 1, 2, 3].map((seq) => ({ sku: `SKU-${seq % 2}`, seq })));
      await startRelay();
      const first = await startConsumer({ topics: [topic], groupId });
      await effectsReach(groupId, 4);
      await first.stop();
      await expectAllCommitted(groupId, topic);

      await publish(topic, [4, 5].map((seq) => ({ sku: `SKU-${seq % 2}`, seq })));
      // A new client of the same broker: a restarted service.
      const restarted = factory.create();
      const second = await startConsumer({ topics: [topic], groupId, transport: restarted });

      const effects = await effectsReach(groupId, 6);
      await eventually(() => expect(second.stats.applied).toBe(2));
      expect(second.stats.duplicate).toBe(0);
      expect(effects.map((e) => e.seq).sort()).toEqual([0, 1, 2, 3, 4, 5]);
      await expectAllCommitted(groupId, topic, restarted);
    });

    it('replays a partition from an offset on request', async () => {
      const topic = await newTopic();
      const producer = transport.producer();
      await producer.connect();
      await producer.send([{ topic, messages: [0, 1, 2, 3, 4].map((i) => ({ key: 'replayed', value: Buffer.from([i]), headers: {} })) }]);
      await producer.disconnect();
      const seen: number[] = [];
      let partition = -1;
      const consumer = transport.consumer({ groupId: uniqueName('replay') });
      running.push({ stop: () => consumer.disconnect() });
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        eachBatch: async (batch) => {
          for (const message of batch.messages) {
            if (batch.isStale()) break;
            seen.push(message.value?.[0] ?? -1);
            partition = message.partition;
            batch.markProcessed(message);
          }
          await batch.commit();
        },
      });
      await eventually(() => expect(seen).toEqual([0, 1, 2, 3, 4]));

      consumer.seek({ topic, partition, offset: '2' });

      await eventually(() => expect(seen).toEqual([0, 1, 2, 3, 4, 2, 3, 4]));
    });
  });
}
