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
import { createKafkaTransport, ensureTopics, EventConsumer, Headers, Outbox, OutboxRelay, type Transport } from '../src/index';
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
const EVENTS = argValue('--events', 20_000);
const RATE = argValue('--rate', 500);
const SECONDS = argValue('--seconds', 10);
const PARTITIONS = 3;
const KEYS = 200;
const WRITERS = 4;
const EVENTS_PER_TRANSACTION = 50;
// No phase may run away on a loaded machine: it is cut off and reported as incomplete.
const PHASE_LIMIT_MS = 180_000;

const progress = (line: string): void => {
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
async function rawKafka(brokers: string[], value: Buffer): Promise<PhaseResult[]> {
  const kafka = new Kafka({ brokers, clientId: 'messaging-bench-raw', logLevel: logLevel.NOTHING });
  const transport = createKafkaTransport({ brokers, clientId: 'messaging-bench-admin' });
  const results: PhaseResult[] = [];
  for (const phase of ['throughput', 'paced'] as const) {
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
async function pipeline(transport: Transport, db: MessagingTestDatabase, codec: EventCodec): Promise<PhaseResult[]> {
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
    const raw = await rawKafka(infrastructure.brokers, sample);
    const ours = await pipeline(transport, db, codec);
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

main().catch((error: unknown) => {
  process.stderr.write(`messaging-bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
