import { parseBrokers } from '@switchyard/infra';
import { eventually } from '../testing/eventually';
import { uniqueName } from '../testing/messaging-test-kit';
import { ensureTopics } from '../topics';
import { createKafkaTransport } from '../transport/kafka-transport';
import type { ConsumedMessage } from '../transport/transport';
import { tapTopics, type Tap } from './tap';

describe('tapTopics (real Kafka)', () => {
  const transport = createKafkaTransport({ brokers: parseBrokers(process.env['KAFKA_BROKERS'] ?? ''), clientId: 'messaging-tap-spec', maxWaitTimeMs: 200 });
  const taps: Tap[] = [];
  let topic: string;

  const send = async (...values: string[]) => {
    const producer = transport.producer();
    await producer.connect();
    try {
      await producer.send([{ topic, messages: values.map((value) => ({ key: 'k', value: Buffer.from(value), headers: {} })) }]);
    } finally {
      await producer.disconnect();
    }
  };
  const errors: [string, string][] = [];
  const tap = async (fromBeginning: boolean | undefined, into: string[], onMessage?: (m: ConsumedMessage) => void) => {
    const onError = (error: unknown, m: ConsumedMessage) => errors.push([(error as Error).message, m.value?.toString() ?? '']);
    const started = await tapTopics(transport, { groupId: uniqueName('tap'), topics: [topic], fromBeginning, onError }, (m) => {
      onMessage?.(m);
      into.push(m.value?.toString() ?? '');
    });
    taps.push(started);
    return started;
  };

  beforeAll(async () => {
    topic = uniqueName('tap');
    await ensureTopics(transport, [topic], { partitions: 1, replicationFactor: 1 });
    await send('a', 'b');
  });

  afterAll(async () => {
    for (const t of taps) await t.stop();
  });

  it('reads every message from the beginning, in order, and reads them all again in a second tap (nothing is committed)', async () => {
    const first: string[] = [];
    await tap(undefined, first);
    await eventually(() => expect(first).toEqual(['a', 'b']));
    await send('c');
    await eventually(() => expect(first).toEqual(['a', 'b', 'c']));
    const second: string[] = [];
    await tap(true, second);
    await eventually(() => expect(second).toEqual(['a', 'b', 'c']));
  });

  it('from now on: only what is appended after it joined', async () => {
    const seen: string[] = [];
    const everything: string[] = [];
    await tap(true, everything);
    await eventually(() => expect(everything.length).toBeGreaterThanOrEqual(3));
    await tap(false, seen);
    // A group that starts at the end has joined once a message sent now reaches it; earlier ones never do.
    await eventually(async () => {
      await send('late');
      expect(seen.length).toBeGreaterThan(0);
    });
    expect(seen.every((v) => v === 'late')).toBe(true);
  });

  it('hands a message the observer threw on to onError and goes on with the next; stop() may be called twice', async () => {
    const seen: string[] = [];
    const started = await tap(true, seen, (m) => {
      if (m.value?.toString() === 'b') throw new Error('observer cannot read b');
    });
    await eventually(() => expect(seen.slice(0, 2)).toEqual(['a', 'c']));
    expect(errors).toEqual([['observer cannot read b', 'b']]);
    await started.stop();
    await started.stop();
  });
});
