import { EventCodec } from '@switchyard/contracts';
import { parseBrokers } from '@switchyard/infra';
import { eventually } from '../testing/eventually';
import { createMessagingTestDatabase, MessagingTestDatabase, stockAdjusted, uniqueName } from '../testing/messaging-test-kit';
import { ensureTopics } from '../topics';
import { createKafkaTransport } from '../transport/kafka-transport';
import { TopicMessages, Transport } from '../transport/transport';
import { Outbox } from './outbox';
import { OutboxRelay } from './relay';

describe('OutboxRelay shutdown (real Kafka and PostgreSQL)', () => {
  const kafka = createKafkaTransport({ brokers: parseBrokers(process.env['KAFKA_BROKERS'] ?? ''), clientId: 'messaging-relay-spec' });
  let db: MessagingTestDatabase;

  beforeAll(async () => {
    db = await createMessagingTestDatabase('messaging relay', 'relay_spec');
  });

  afterAll(async () => {
    await db?.close();
  });

  it('replaces a producer whose sends keep failing (a desynchronised idempotent producer) and publishes with a fresh one', async () => {
    const topic = uniqueName('relay');
    await ensureTopics(kafka, [topic], { partitions: 1, replicationFactor: 1 });
    let created = 0;
    let failed = 0;
    // The first producer fails every send, as kafkajs's does once out of step with the broker; later ones are real.
    const flaky: Transport = {
      ...kafka,
      producer: () => {
        const real = kafka.producer();
        const broken = created++ === 0;
        return {
          connect: () => real.connect(),
          disconnect: () => real.disconnect(),
          send: async (batch: readonly TopicMessages[]) => {
            if (broken) {
              failed++;
              throw new Error('The broker received an out of order sequence number');
            }
            await real.send(batch);
          },
        };
      },
    };
    const relay = new OutboxRelay({ dataSource: db.dataSource, schema: db.schema, transport: flaky, pollIntervalMs: 100, maxBackoffMs: 100 });
    try {
      await relay.start();
      const outbox = new Outbox({ schema: db.schema, codec: new EventCodec() });
      await db.dataSource.transaction((em) => outbox.add(em, [1, 2].map((seq) => stockAdjusted(topic, 'SKU-FRESH', seq))));

      await eventually(async () => expect(await db.outboxCount()).toBe(0));

      expect(failed).toBe(1);
      expect(created).toBe(2);
    } finally {
      await relay.stop();
    }
  });

  it('finishes the batch in flight when stopped: published rows are deleted, nothing is sent twice', async () => {
    const topic = uniqueName('relay');
    await ensureTopics(kafka, [topic], { partitions: 1, replicationFactor: 1 });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let sending = 0;
    // The real broker, with each send held until the test lets it go: a batch caught in flight.
    const held: Transport = {
      ...kafka,
      producer: () => {
        const real = kafka.producer();
        return {
          connect: () => real.connect(),
          disconnect: () => real.disconnect(),
          send: async (batch: readonly TopicMessages[]) => {
            sending++;
            await gate;
            await real.send(batch);
          },
        };
      },
    };
    const relay = new OutboxRelay({ dataSource: db.dataSource, schema: db.schema, transport: held, pollIntervalMs: 100 });
    await relay.start();
    const outbox = new Outbox({ schema: db.schema, codec: new EventCodec() });
    await db.dataSource.transaction((em) => outbox.add(em, [1, 2, 3].map((seq) => stockAdjusted(topic, 'SKU-STOP', seq))));
    await eventually(() => expect(sending).toBe(1));

    const stopped = relay.stop();
    release();
    await stopped;

    expect(await db.outboxCount()).toBe(0);
    expect(relay.publishedCount).toBe(3);
    expect(relay.isLeader).toBe(false);
    const admin = kafka.admin();
    await admin.connect();
    expect(await admin.endOffsets(topic)).toEqual([{ partition: 0, offset: '3' }]);
    await admin.disconnect();
  });

  it('has a topic it never sent to created by the ensureTopics hook, outside any transaction, then publishes its rows', async () => {
    const topic = uniqueName('relay-new');
    const calls: string[][] = [];
    const relayStates: string[] = [];
    const ensure = async (topics: readonly string[]) => {
      calls.push([...topics]);
      const rows: { state: string }[] = await db.dataSource.query(
        "SELECT state FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'switchyard-outbox-relay'",
      );
      relayStates.push(...rows.map((r) => r.state));
      await ensureTopics(kafka, topics, { partitions: 1, replicationFactor: 1 });
    };
    const relay = new OutboxRelay({ dataSource: db.dataSource, schema: db.schema, transport: kafka, pollIntervalMs: 100, maxBackoffMs: 200, ensureTopics: ensure });
    try {
      await relay.start();
      const outbox = new Outbox({ schema: db.schema, codec: new EventCodec() });
      // The topic does not exist when the rows naming it commit.
      await db.dataSource.transaction((em) => outbox.add(em, [1, 2].map((seq) => stockAdjusted(topic, 'SKU-NEW-TOPIC', seq))));
      await eventually(async () => expect(await db.outboxCount()).toBe(0));
      await db.dataSource.transaction((em) => outbox.add(em, [stockAdjusted(topic, 'SKU-NEW-TOPIC', 3)]));
      await eventually(async () => expect(await db.outboxCount()).toBe(0));
    } finally {
      await relay.stop();
    }
    expect(calls).toEqual([[topic]]);
    expect(relayStates).toEqual(['idle']);
    const admin = kafka.admin();
    await admin.connect();
    expect(await admin.endOffsets(topic)).toEqual([{ partition: 0, offset: '3' }]);
    await admin.disconnect();
  });
});
