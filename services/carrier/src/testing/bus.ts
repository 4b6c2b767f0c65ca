import { randomUUID } from 'node:crypto';
import { AnyEvent, DecodedEvent, EventCodec, EventOf, EventPayload, EventType, keyOf, topicOf } from '@switchyard/contracts';
import { createKafkaTransport, ensureTopics, Headers, namespacedTransport, type Transport, type TransportConsumer } from '@switchyard/messaging';

const codec = new EventCodec();

/** A test run's own topics on the shared broker (KAFKA_BROKERS): every topic under TOPIC_NAMESPACE `namespace`. */
export function testTransport(namespace: string): Transport {
  return namespacedTransport(createKafkaTransport({ brokers: (process.env['KAFKA_BROKERS'] ?? '').split(','), clientId: 'switchyard-spec' }), namespace);
}

/** Publishes events to their contract topics as a producing service would (single-object Avro, id headers). */
export async function publish(namespace: string, events: readonly AnyEvent[]): Promise<void> {
  const producer = testTransport(namespace).producer();
  await producer.connect();
  try {
    await producer.send(
      events.map((event) => ({
        topic: topicOf(event),
        messages: [{ key: keyOf(event), value: codec.encodeEvent(event), headers: { [Headers.messageId]: event.payload.metadata.eventId, [Headers.eventType]: event.type } }],
      })),
    );
  } finally {
    await producer.disconnect();
  }
}

/** Everything published on some topics since their beginning, decoded, as a test reads it. */
export class TopicReader {
  readonly events: DecodedEvent[] = [];

  private constructor(private readonly consumer: TransportConsumer) {}

  /** Reads `topics` of the namespace (created first where missing). */
  static async start(namespace: string, topics: readonly string[]): Promise<TopicReader> {
    const transport = testTransport(namespace);
    await ensureTopics(transport, topics, { partitions: 3, replicationFactor: 1 });
    const consumer = transport.consumer({ groupId: `spec-reader-${randomUUID()}` });
    const reader = new TopicReader(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      eachBatch: async (batch) => {
        for (const message of batch.messages) {
          // Shared topics may hold others' malformed test messages: a reader skips what it cannot decode.
          if (message.value) {
            try {
              reader.events.push(codec.decode(message.value));
            } catch {
              /* not ours */
            }
          }
          batch.markProcessed(message);
        }
      },
    });
    return reader;
  }

  /** The events of one type whose payload matches, in the order read. */
  of<T extends EventType>(type: T, match: (payload: EventPayload<T>) => boolean): EventOf<T>[] {
    return this.events.filter((event) => event.type === type && match(event.payload as EventPayload<T>)) as unknown as EventOf<T>[];
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}

/** Polls `check` until it stops throwing; after `timeoutMs` fails with its last complaint. Never a fixed sleep. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 45_000): Promise<T> {
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

/** Fails (so that `eventually` polls again) until the list has exactly `count` items; returns them. */
export function expectCount<T>(items: readonly T[], count: number, what: string): readonly T[] {
  if (items.length !== count) throw new Error(`expected ${count} ${what}, found ${items.length}`);
  return items;
}
