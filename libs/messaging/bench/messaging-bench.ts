// npm run bench:messaging -- [--events 20000] [--rate 500] [--seconds 10]
// End to end through the messaging library: events committed to the outbox in PostgreSQL transactions, published
// by the relay (idempotent kafkajs producer), consumed by an EventConsumer that records each one in the inbox and
// applies a one-row effect in the same transaction. Beside it, in the same run on the same broker: raw kafkajs
// produce/consume of messages of the same size. Two phases each: as fast as possible (events/s), and at a fixed
// rate (latency p50/p99, from the moment the event is added to the moment its handler has run).
import { randomUUID } from 'node:crypto';
import { build as buildHistogram, type Histogram } from 'hdr-histogram-js';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { EventCodec } from '@switchyard/contracts';
import { provideTestInfrastructure } from '@switchyard/infra';
import { DataSource } from 'typeorm';
import { createKafkaTransport, ensureTopics, EventConsumer, Headers, Inbox, messagingMigration, Outbox, OutboxRelay, type Transport } from '../src/index';
import { createMessagingTestDatabase, insertEffect, stockAdjusted, type MessagingTestDatabase } from '../src/testing/messaging-test-kit';

const argValue = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(name);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isFinite(value) || value <= 0) {
    process.stderr.write(`messaging-bench: ${name} takes a positive number\n`);
    process.exit(1);
  }
  return value;
};
/** Run sizes: from the command line for the CLI, from the caller for the importable measurements. */
interface Sizes {
  readonly EVENTS: number;
  readonly RATE: number;
  readonly SECONDS: number;
}
const cliSizes = (): Sizes => ({ EVENTS: argValue('--events', 20_000), RATE: argValue('--rate', 500), SECONDS: argValue('--seconds', 10) });
const PARTITIONS = 3;
const KEYS = 200;
const WRITERS = 4;
const EVENTS_PER_TRANSACTION = 50;
// No phase may run away on a loaded machine: it is cut off and reported as incomplete.
const PHASE_LIMIT_MS = 180_000;

let progress = (line: string): void => {
  process.stderr.write(`[bench] ${line}\n`);
};

interface PhaseResult {
  readonly label: string;
  readonly events: number;
  readonly received: number;
  readonly seconds: number;
  readonly latency: Histogram;
}

const histogram = (): Histogram => buildHistogram({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000, numberOfSignificantValueDigits: 3 });
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until(done: () => boolean, label: string): Promise<boolean> {
  const deadline = Date.now() + PHASE_LIMIT_MS;
  let lastReport = Date.now();
  while (!done()) {
    if (Date.now() > deadline) {
      progress(`${label}: cut off after ${PHASE_LIMIT_MS / 1000} s`);
      return false;
    }
    if (Date.now() - lastReport > 5_000) {
      lastReport = Date.now();
      progress(`${label}: still running`);
    }
    await sleep(20);
  }
  return true;
}

/** Calls `tick(due)` every 10 ms with the number of events due so that `rate` per second are produced for `seconds`. */
async function paced(rate: number, seconds: number, tick: (count: number, index: number) => Promise<void>): Promise<number> {
  const total = Math.round(rate * seconds);
  const start = Date.now();
  let sent = 0;
  const inFlight: Promise<void>[] = [];
  while (sent < total) {
    const due = Math.min(total, Math.floor(((Date.now() - start) / 1000) * rate)) - sent;
    if (due > 0) {
      inFlight.push(tick(due, sent));
      sent += due;
    }
    await sleep(10);
  }
  await Promise.all(inFlight);
  return total;
}

// ---------- raw kafkajs: the ceiling ----------
async function rawKafka(brokers: readonly string[], value: Buffer, { EVENTS, RATE, SECONDS }: Sizes, phases: readonly ('throughput' | 'paced')[] = ['throughput', 'paced']): Promise<PhaseResult[]> {
  const kafka = new Kafka({ brokers: [...brokers], clientId: 'messaging-bench-raw', logLevel: logLevel.NOTHING });
  const transport = createKafkaTransport({ brokers: [...brokers], clientId: 'messaging-bench-admin' });
  const results: PhaseResult[] = [];
  for (const phase of phases) {
    const topic = `bench.raw.${phase}.${randomUUID()}`;
    await ensureTopics(transport, [topic], { partitions: PARTITIONS, replicationFactor: 1 });
    const latency = histogram();
    let received = 0;
    const consumer = kafka.consumer({ groupId: `bench-raw-${randomUUID()}`, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: PARTITIONS,
      eachBatch: async ({ batch }) => {
        const now = Date.now();
        for (const message of batch.messages) {
          latency.recordValue(Math.max(1, now - Number(message.headers?.['sent-at']?.toString())));
          received++;
        }
      },
    });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const send = async (count: number, index: number): Promise<void> => {
      const sentAt = String(Date.now());
      const messages = Array.from({ length: count }, (_, i) => ({
        key: `SKU-${(index + i) % KEYS}@dc-bench`,
        value,
        headers: { [Headers.messageId]: randomUUID(), 'sent-at': sentAt },
      }));
      await producer.send({ topic, messages, acks: -1 });
    };
    const start = Date.now();
    let events: number;
    if (phase === 'throughput') {
      for (let sent = 0; sent < EVENTS; sent += 500) await send(Math.min(500, EVENTS - sent), sent);
      events = EVENTS;
    } else {
      events = await paced(RATE, SECONDS, send);
    }
    await until(() => received >= events, `raw kafkajs ${phase}`);
    const seconds = (Date.now() - start) / 1000;
    results.push({ label: `raw kafkajs, ${phase === 'throughput' ? 'as fast as possible' : `${RATE}/s for ${SECONDS} s`}`, events, received, seconds, latency });
    progress(`raw kafkajs ${phase}: ${received}/${events} in ${seconds.toFixed(1)} s`);
    await producer.disconnect();
    await consumer.disconnect();
  }
  return results;
}

// ---------- the library: outbox → relay → Kafka → inbox + handler ----------
async function pipeline(transport: Transport, db: MessagingTestDatabase, codec: EventCodec, { EVENTS, RATE, SECONDS }: Sizes): Promise<PhaseResult[]> {
  const outbox = new Outbox({ schema: db.schema, codec });
  const relay = new OutboxRelay({ dataSource: db.dataSource, schema: db.schema, transport, batchSize: 500 });
  await relay.start();
  const results: PhaseResult[] = [];
  try {
    for (const phase of ['throughput', 'paced'] as const) {
      const topic = `bench.pipeline.${phase}.${randomUUID()}`;
      await ensureTopics(transport, [topic], { partitions: PARTITIONS, replicationFactor: 1 });
      const latency = histogram();
      const toBroker = histogram();
      let received = 0;
      const consumer = new EventConsumer({
        transport,
        dataSource: db.dataSource,
        schema: db.schema,
        groupId: `bench-${randomUUID()}`,
        topics: [topic],
        codec,
        partitionsConsumedConcurrently: PARTITIONS,
        handlers: {
          StockAdjusted: async (event, context) => {
            const { message } = context;
            await insertEffect(context.entityManager, db.schema, message.groupId, message.messageId, message.key ?? '', event.payload.onHandAfter, message.partition);
            const createdAt = Number(message.headers[Headers.createdAt]);
            latency.recordValue(Math.max(1, Date.now() - createdAt));
            toBroker.recordValue(Math.max(1, message.timestamp - createdAt));
            received++;
          },
        },
      });
      await consumer.start();
      const add = async (count: number, index: number): Promise<void> => {
        await db.dataSource.transaction((em) =>
          outbox.add(em, Array.from({ length: count }, (_, i) => stockAdjusted(topic, `SKU-${(index + i) % KEYS}`, index + i))),
        );
      };
      const start = Date.now();
      let events: number;
      if (phase === 'throughput') {
        let next = 0;
        // Several writers, as several requests of a service would, each committing batches of events.
        await Promise.all(
          Array.from({ length: WRITERS }, async () => {
            while (next < EVENTS) {
              const index = next;
              next += EVENTS_PER_TRANSACTION;
              await add(Math.min(EVENTS_PER_TRANSACTION, EVENTS - index), index);
            }
          }),
        );
        events = EVENTS;
        progress(`pipeline throughput: ${EVENTS} events committed to the outbox in ${((Date.now() - start) / 1000).toFixed(1)} s`);
      } else {
        // One transaction per event, as one state change of one order each.
        events = await paced(RATE, SECONDS, async (count, index) => {
          await Promise.all(Array.from({ length: count }, (_, i) => add(1, index + i)));
        });
      }
      await until(() => received >= events, `pipeline ${phase}`);
      const seconds = (Date.now() - start) / 1000;
      results.push({ label: `outbox → Kafka → inbox, ${phase === 'throughput' ? 'as fast as possible' : `${RATE}/s for ${SECONDS} s`}`, events, received, seconds, latency });
      progress(`pipeline ${phase}: ${received}/${events} in ${seconds.toFixed(1)} s (duplicates skipped: ${consumer.stats.duplicate}); outbox add → Kafka append p50 ${toBroker.getValueAtPercentile(50)} ms, p99 ${toBroker.getValueAtPercentile(99)} ms`);
      await consumer.stop();
    }
  } finally {
    await relay.stop();
  }
  return results;
}

async function main(): Promise<void> {
  const sizes = cliSizes();
  const { EVENTS, RATE, SECONDS } = sizes;
  const startedAt = Date.now();
  progress(`events ${EVENTS} (throughput), ${RATE}/s for ${SECONDS} s (latency), ${PARTITIONS} partitions, ${KEYS} keys`);
  const infrastructure = await provideTestInfrastructure((line) => progress(line));
  let db: MessagingTestDatabase | undefined;
  try {
    const codec = new EventCodec();
    const sample = codec.encodeEvent(stockAdjusted('bench', 'SKU-0', 0).event);
    progress(`message: ${sample.length} bytes of Avro single-object encoding + headers`);
    db = await createMessagingTestDatabase('messaging bench', 'bench');
    const transport = createKafkaTransport({ brokers: infrastructure.brokers, clientId: 'messaging-bench', maxWaitTimeMs: 100 });
    const raw = await rawKafka(infrastructure.brokers, sample, sizes);
    const ours = await pipeline(transport, db, codec, sizes);
    const rows = [...raw, ...ours];
    console.log('');
    console.log(`| path | events | events/s | p50 ms | p99 ms | max ms |`);
    console.log(`|---|---:|---:|---:|---:|---:|`);
    for (const r of rows) {
      const complete = r.received >= r.events ? '' : ` (incomplete: ${r.received} received)`;
      console.log(
        `| ${r.label}${complete} | ${r.events} | ${Math.round(r.received / r.seconds)} | ${r.latency.getValueAtPercentile(50)} | ${r.latency.getValueAtPercentile(99)} | ${r.latency.maxValue} |`,
      );
    }
    console.log('');
    progress(`done in ${((Date.now() - startedAt) / 1000).toFixed(0)} s (Kafka: ${infrastructure.kafkaSource})`);
  } finally {
    await db?.close();
    await infrastructure.stop();
  }
}

// ---------- importable ceilings (the benchmark harness, apps/bench, measures them beside the platform) ----------

export interface RawKafkaCeiling {
  readonly messages: number;
  readonly received: number;
  readonly seconds: number;
  readonly messagesPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/**
 * Raw kafkajs, as fast as possible: `messages` copies of `value` produced in batches of 500 (idempotent
 * producer, acks all) to a fresh 3-partition topic and consumed by one group (`eachBatch`); messages/s from
 * the first send to the last receipt. Exactly the CLI's "raw kafkajs, as fast as possible" row.
 */
export async function measureRawKafkaCeiling(options: { readonly brokers: readonly string[]; readonly value: Buffer; readonly messages?: number; readonly log?: (line: string) => void }): Promise<RawKafkaCeiling> {
  if (options.log) progress = options.log;
  const messages = options.messages ?? 20_000;
  const [result] = await rawKafka(options.brokers, options.value, { EVENTS: messages, RATE: 1, SECONDS: 1 }, ['throughput']);
  return {
    messages,
    received: result.received,
    seconds: result.seconds,
    messagesPerSecond: result.received / result.seconds,
    p50Ms: result.latency.getValueAtPercentile(50),
    p99Ms: result.latency.getValueAtPercentile(99),
  };
}

export interface OutboxInboxCeiling {
  readonly transactions: number;
  readonly seconds: number;
  readonly commitsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly writers: number;
}

/**
 * PostgreSQL commits/s of one event's handling as a service does it: in one transaction, the inbox records the
 * incoming message (the library's Inbox), a state row is updated (an upsert keyed like an order), and one event
 * is added to the outbox (the library's Outbox). `writers` concurrent connections for `seconds`, on a fresh
 * database of the local PostgreSQL. No relay runs: this is the database's share of the cost only.
 */
export async function measureOutboxInboxCeiling(
  options: { readonly seconds?: number; readonly writers?: number; readonly keys?: number; readonly databaseUrl?: string } = {},
): Promise<OutboxInboxCeiling> {
  const seconds = options.seconds ?? 5;
  const writers = options.writers ?? 8;
  const keys = options.keys ?? 1_000;
  // A fresh database of the local PostgreSQL, or (databaseUrl) a fresh schema in a given one, e.g. an embedded PGlite.
  const db = options.databaseUrl ? await schemaIn(options.databaseUrl, writers) : await createMessagingTestDatabase('outbox inbox ceiling', 'bench');
  try {
    await db.dataSource.query(`CREATE TABLE "${db.schema}".bench_state (key text PRIMARY KEY, seq integer NOT NULL, updated_at timestamptz NOT NULL)`);
    const outbox = new Outbox({ schema: db.schema });
    const inbox = new Inbox(db.schema);
    const latency = histogram();
    let transactions = 0;
    let seq = 0;
    const transaction = async (): Promise<void> => {
      const index = seq++;
      const key = `ord-${index % keys}`;
      const began = Date.now();
      await db.dataSource.transaction(async (em) => {
        const fresh = await inbox.record(em, { groupId: 'bench-ceiling', messageId: randomUUID(), eventType: 'StockAdjusted', topic: 'bench.in', partition: index % PARTITIONS, offset: String(index) });
        if (!fresh) throw new Error('the inbox saw a fresh message id twice');
        await em.query(
          `INSERT INTO "${db.schema}".bench_state (key, seq, updated_at) VALUES ($1, $2, now()) ON CONFLICT (key) DO UPDATE SET seq = EXCLUDED.seq, updated_at = now()`,
          [key, index],
        );
        await outbox.add(em, [stockAdjusted('bench.out', `SKU-${index % keys}`, index)]);
      });
      latency.recordValue(Math.max(1, Date.now() - began));
      transactions++;
    };
    for (let i = 0; i < 50; i++) await transaction(); // warm-up: connections, plans
    transactions = 0;
    latency.reset();
    const start = Date.now();
    const deadline = start + seconds * 1000;
    await Promise.all(
      Array.from({ length: writers }, async () => {
        while (Date.now() < deadline) await transaction();
      }),
    );
    const elapsed = (Date.now() - start) / 1000;
    return { transactions, seconds: elapsed, commitsPerSecond: transactions / elapsed, p50Ms: latency.getValueAtPercentile(50), p99Ms: latency.getValueAtPercentile(99), writers };
  } finally {
    await db.close();
  }
}

/** The messaging tables in a new schema of an existing database (dropped again on close). */
async function schemaIn(url: string, connections: number): Promise<Pick<MessagingTestDatabase, 'dataSource' | 'schema' | 'close'>> {
  const schema = `bench_ceiling_${randomUUID().slice(0, 8)}`;
  const dataSource = new DataSource({ type: 'postgres', url, synchronize: false, extra: { max: connections } });
  await dataSource.initialize();
  const runner = dataSource.createQueryRunner();
  try {
    await new (messagingMigration(schema))().up(runner);
  } finally {
    await runner.release();
  }
  return {
    dataSource,
    schema,
    close: async () => {
      await dataSource.query(`DROP SCHEMA "${schema}" CASCADE`);
      await dataSource.destroy();
    },
  };
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`messaging-bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
