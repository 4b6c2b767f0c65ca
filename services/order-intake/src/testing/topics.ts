import { randomUUID } from 'node:crypto';
import { AnyEvent, DecodedEvent, EventCodec, keyOf, topicOf } from '@switchyard/contracts';
import { Headers, type ConsumedMessage, type Transport, type TransportConsumer, type TransportProducer } from '@switchyard/messaging';

/** Polls `check` until it stops throwing; rethrows its last failure after `timeoutMs`. Tests wait for conditions, never for fixed times. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 60_000): Promise<T> {
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

export interface Received {
  readonly topic: string;
  readonly key: string | null;
  readonly headers: Readonly<Record<string, string>>;
  /** Undefined for bytes that are not an event (on a .dlq topic). */
  readonly event: DecodedEvent | undefined;
}

/**
 * Reads topics as a consumer group of its own, keeping every message appended after it started. The broker is
 * shared, so specs look for their own orders (by id or channel) among what it read.
 */
export class TopicReader {
  readonly received: Received[] = [];
  private readonly next = new Map<string, bigint>();
  private readonly codec = new EventCodec();

  private constructor(
    private readonly transport: Transport,
    private readonly topics: readonly string[],
    private readonly starts: ReadonlyMap<string, bigint>,
    private readonly consumer: TransportConsumer,
  ) {}

  static async start(transport: Transport, topics: readonly string[]): Promise<TopicReader> {
    const starts = await endOffsets(transport, topics);
    const consumer = transport.consumer({ groupId: `order-intake-spec-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    const reader = new TopicReader(transport, topics, starts, consumer);
    await consumer.run({
      eachBatch: async (batch) => {
        for (const message of batch.messages) {
          reader.take(message);
          batch.markProcessed(message);
        }
      },
    });
    return reader;
  }

  /** Events of `type` read so far that satisfy `where`. */
  events<T extends AnyEvent['type']>(type: T, where: (event: Extract<DecodedEvent, { type: T }>) => boolean = () => true): Extract<DecodedEvent, { type: T }>[] {
    return this.received.flatMap((r) => (r.event?.type === type && where(r.event as Extract<DecodedEvent, { type: T }>) ? [r.event as Extract<DecodedEvent, { type: T }>] : []));
  }

  /** Waits for the first event of `type` satisfying `where`. */
  async waitFor<T extends AnyEvent['type']>(type: T, where: (event: Extract<DecodedEvent, { type: T }>) => boolean): Promise<Extract<DecodedEvent, { type: T }>> {
    return eventually(() => {
      const found = this.events(type, where)[0];
      if (!found) throw new Error(`no ${type} matching the spec's condition has arrived (read ${this.received.length} message(s))`);
      return found;
    });
  }

  /** Waits until it has read everything the topics hold right now: after this, what it has not seen was not published. */
  async caughtUp(): Promise<void> {
    const ends = await endOffsets(this.transport, this.topics);
    await eventually(() => {
      for (const [partition, end] of ends) {
        const from = this.next.get(partition) ?? this.starts.get(partition) ?? 0n;
        if (end > (this.starts.get(partition) ?? 0n) && from < end) throw new Error(`${partition} read up to ${from}, holds up to ${end}`);
      }
    });
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }

  private take(message: ConsumedMessage): void {
    const partition = `${message.topic}/${message.partition}`;
    const offset = BigInt(message.offset);
    this.next.set(partition, offset + 1n);
    if (offset < (this.starts.get(partition) ?? 0n)) return;
    let event: DecodedEvent | undefined;
    try {
      event = message.value ? this.codec.decode(message.value) : undefined;
    } catch {
      event = undefined;
    }
    this.received.push({ topic: message.topic, key: message.key, headers: message.headers, event });
  }
}

async function endOffsets(transport: Transport, topics: readonly string[]): Promise<Map<string, bigint>> {
  const admin = transport.admin();
  await admin.connect();
  try {
    const ends = new Map<string, bigint>();
    for (const topic of topics) for (const { partition, offset } of await admin.endOffsets(topic)) ends.set(`${topic}/${partition}`, BigInt(offset));
    return ends;
  } finally {
    await admin.disconnect();
  }
}

/** Publishes events as another service or a channel would: to their contract topic, under their key. */
export class TestPublisher {
  private readonly codec = new EventCodec();

  private constructor(private readonly producer: TransportProducer) {}

  static async start(transport: Transport): Promise<TestPublisher> {
    const producer = transport.producer();
    await producer.connect();
    return new TestPublisher(producer);
  }

  async publish(event: AnyEvent): Promise<void> {
    await this.send(topicOf(event), keyOf(event), this.codec.encodeEvent(event), event.type);
  }

  /** Writes bytes as they are, e.g. an older schema version or something that is not an event at all. */
  async send(topic: string, key: string, value: Buffer, eventType = 'unknown'): Promise<void> {
    await this.producer.send([{ topic, messages: [{ key, value, headers: { [Headers.messageId]: randomUUID(), [Headers.eventType]: eventType } }] }]);
  }

  async stop(): Promise<void> {
    await this.producer.disconnect();
  }
}
