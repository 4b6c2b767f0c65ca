// The observer: a consumer group of its own on every topic of the platform (through the platform's transport,
// namespace applied). It counts every event by type (from the event-type header, without decoding) and hands the
// events of an order's life, decoded, to the ledger.
import { randomUUID } from 'node:crypto';
import { EventCodec } from '@switchyard/contracts';
import { Headers, tapTopics, type ConsumedMessage, type Tap, type Transport } from '@switchyard/messaging';
import { FOLLOWED_TYPES, type ObservedEvent } from './ledger';

/** Every topic of the platform: fixed ones, one instruction topic per location, one request topic per carrier adapter. */
export function platformTopics(locationIds: readonly string[], carrierIds: readonly string[]): string[] {
  const topics = [
    'orders.received',
    'orders.lifecycle',
    'orders.commands',
    'routing.commands',
    'routing.events',
    'inventory.commands',
    'inventory.events',
    'carrier.commands',
    'carrier.events',
    'carrier.adapter.replies',
    ...carrierIds.map((id) => `carrier.adapter.requests.${id}`),
    'fulfilment.events',
    ...locationIds.map((id) => `fulfilment.instructions.${id}`),
    'notification.events',
  ];
  // Their dead-letter topics too: a message there is one a service gave up on.
  return [...topics, ...topics.map((t) => `${t}.dlq`)];
}

const REASONED = new Set(['OrderUnroutable', 'OrderHeld', 'FulfilmentRejected', 'StockReservationFailed', 'CarrierSelectionFailed', 'OrderNeedsAttention']);

export interface EventCounts {
  readonly total: number;
  readonly byType: Readonly<Record<string, number>>;
  /** Why orders could not go straight on: OrderUnroutable, OrderHeld, FulfilmentRejected, StockReservationFailed by reason. */
  readonly reasons: Readonly<Record<string, number>>;
  /** The first few explanations of each reason (OrderUnroutable.summary, detail), for people. */
  readonly reasonExamples: Readonly<Record<string, readonly string[]>>;
  /** Messages on dead-letter topics (counted apart from `total`), by original topic. */
  readonly deadLettered: Readonly<Record<string, number>>;
  /** Messages appended from `since` on (message timestamp), for the events/s of a run. */
  readonly since: number;
  readonly firstAt: number;
  readonly lastAt: number;
}

export class PlatformObserver {
  private readonly codec = new EventCodec();
  private tap: Tap | undefined;
  private byType = new Map<string, number>();
  private deadLettered = new Map<string, number>();
  private reasons = new Map<string, number>();
  private reasonExamples = new Map<string, string[]>();
  private total = 0;
  private since = 0;
  private firstAt = 0;
  private lastAt = 0;
  /** Time of the last message read (wall clock), to tell when the platform has gone quiet. */
  lastMessageAt = 0;
  undecodable = 0;
  readonly skippedTopics: string[] = [];
  readonly topics: string[] = [];

  constructor(
    private readonly transport: Transport,
    private readonly onEvent: (event: ObservedEvent) => void,
  ) {}

  /** Subscribes to the topics that exist (the others are listed in `skippedTopics`) and starts reading from their beginning. */
  async start(topics: readonly string[]): Promise<void> {
    const admin = this.transport.admin();
    await admin.connect();
    try {
      for (const topic of topics) {
        try {
          const partitions = await admin.partitionCount(topic);
          if (partitions > 0) this.topics.push(topic);
          else this.skippedTopics.push(topic);
        } catch {
          this.skippedTopics.push(topic);
        }
      }
    } finally {
      await admin.disconnect();
    }
    if (this.topics.length === 0) throw new Error(`The platform has none of its topics (${topics.join(', ')}) on ${this.transport.name}: is it running?`);
    this.tap = await tapTopics(
      this.transport,
      // Nothing to keep: the group is this run's own and never read again.
      { groupId: `bench-observer-${randomUUID()}`, topics: this.topics, partitionsConsumedConcurrently: 4, onError: () => this.undecodable++ },
      (message) => this.read(message),
    );
  }

  /** Starts a counting window: events appended from now on count towards `counts()`. */
  resetCounts(since: number): void {
    this.byType = new Map();
    this.deadLettered = new Map();
    this.reasons = new Map();
    this.reasonExamples = new Map();
    this.total = 0;
    this.since = since;
    this.firstAt = 0;
    this.lastAt = 0;
  }

  counts(): EventCounts {
    return { total: this.total, reasonExamples: Object.fromEntries(this.reasonExamples), reasons: Object.fromEntries([...this.reasons.entries()].sort((a, b) => b[1] - a[1])), deadLettered: Object.fromEntries(this.deadLettered), byType: Object.fromEntries([...this.byType.entries()].sort((a, b) => b[1] - a[1])), since: this.since, firstAt: this.firstAt, lastAt: this.lastAt };
  }

  async stop(): Promise<void> {
    const tap = this.tap;
    this.tap = undefined;
    await tap?.stop();
  }

  private read(message: ConsumedMessage): void {
    this.lastMessageAt = Date.now();
    const type = message.headers[Headers.eventType] ?? 'unknown';
    const at = Number(message.timestamp);
    if (message.topic.endsWith('.dlq')) {
      if (at >= this.since) this.deadLettered.set(message.topic, (this.deadLettered.get(message.topic) ?? 0) + 1);
      return;
    }
    if (at >= this.since) {
      this.total++;
      this.byType.set(type, (this.byType.get(type) ?? 0) + 1);
      if (this.firstAt === 0 || at < this.firstAt) this.firstAt = at;
      if (at > this.lastAt) this.lastAt = at;
    }
    if (!(FOLLOWED_TYPES.has(type) || REASONED.has(type)) || !message.value) return;
    try {
      const decoded = this.codec.decode(message.value);
      const payload = decoded.payload as unknown as ObservedEvent['payload'] & { metadata: { eventId: string; occurredAt: number }; reason?: string };
      if (REASONED.has(decoded.type) && at >= this.since) {
        const key = `${decoded.type} ${payload.reason ?? (payload as { problem?: string }).problem ?? '?'}`;
        this.reasons.set(key, (this.reasons.get(key) ?? 0) + 1);
        const text = (payload as { summary?: string; detail?: string }).summary ?? (payload as { detail?: string }).detail;
        const examples = this.reasonExamples.get(key) ?? [];
        if (text && examples.length < 3) this.reasonExamples.set(key, [...examples, `${payload.orderId ?? ''}: ${text}`.slice(0, 400)]);
      }
      if (!FOLLOWED_TYPES.has(decoded.type)) return;
      this.onEvent({ type: decoded.type, eventId: payload.metadata.eventId, occurredAt: Number(payload.metadata.occurredAt), payload });
    } catch {
      this.undecodable++;
    }
  }
}
