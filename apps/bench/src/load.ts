// The load generator's sending side: orders from the order mix, through the public intake — HTTP
// (`POST {apiUrl}/v1/orders` with the channel's key) or an OrderReceived on `orders.received` — and the
// customers' cancellations the mix asks for (`POST /v1/orders/{id}/cancel`).
import { randomUUID } from 'node:crypto';
import { EventCodec, keyOf, type AnyEvent } from '@switchyard/contracts';
import { Headers, type Transport, type TransportProducer } from '@switchyard/messaging';
import type { Via } from './args';
import type { GeneratedOrder } from './demo';
import type { OrderLedger } from './ledger';
import type { Slot } from './schedule';

/** Where the next order comes from: an endless iterator (the seeded order mix, or a test's). */
export type OrderSource = Iterator<GeneratedOrder>;

export interface SenderStats {
  httpSent: number;
  topicSent: number;
  /** HTTP answers other than 202, by status (with one example body each). */
  readonly refusals: Map<string, { count: number; example: string }>;
  cancelsRequested: number;
  cancelsAccepted: number;
  cancelsRefused: number;
}

export interface SenderOptions {
  readonly apiUrl: string;
  readonly channelKeys: ReadonlyMap<string, string>;
  readonly transport: Transport;
  readonly via: Via;
  readonly source: OrderSource;
  readonly ledger: OrderLedger;
  /** HTTP requests open at once at most; beyond it orders wait (late, measured from their intended time). */
  readonly maxOpenRequests?: number;
  /** Send the cancellations the mix asks for (default true). */
  readonly cancellations?: boolean;
}

interface Pending {
  readonly slot: Slot;
  readonly order: GeneratedOrder;
  readonly path: 'http' | 'topic';
}

export class OrderSender {
  readonly stats: SenderStats = { httpSent: 0, topicSent: 0, refusals: new Map(), cancelsRequested: 0, cancelsAccepted: 0, cancelsRefused: 0 };
  private readonly codec = new EventCodec();
  private producer: TransportProducer | undefined;
  private readonly httpQueue: Pending[] = [];
  private readonly topicQueue: Pending[] = [];
  private openRequests = 0;
  private topicBusy = false;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly cancels: { channelId: string; channelOrderId: string; dueAt: number }[] = [];
  private cancelTimer: NodeJS.Timeout | undefined;
  private failure: Error | undefined;

  constructor(private readonly options: SenderOptions) {}

  async start(): Promise<void> {
    if (this.options.via !== 'http') {
      this.producer = this.options.transport.producer();
      await this.producer.connect();
    }
    this.cancelTimer = setInterval(() => this.sendDueCancels(), 100);
  }

  /** Queued or open sends. */
  get backlog(): number {
    return this.httpQueue.length + this.topicQueue.length + this.openRequests + (this.topicBusy ? 1 : 0);
  }

  get pendingCancels(): number {
    return this.cancels.length;
  }

  /** A send that failed in a way the run cannot go on from (the topic producer failing). */
  get error(): Error | undefined {
    return this.failure;
  }

  /** Hands the due slots to the intake; returns at once. */
  send(slots: readonly Slot[]): void {
    for (const slot of slots) {
      const next = this.options.source.next();
      if (next.done) throw new Error('The order source ran dry.');
      const order = next.value;
      const path = this.options.via === 'mixed' ? (slot.index % 2 === 0 ? 'http' : 'topic') : this.options.via;
      (path === 'http' ? this.httpQueue : this.topicQueue).push({ slot, order, path });
    }
    this.pump();
  }

  /** Waits for every queued and open send. */
  async flush(): Promise<void> {
    while (this.backlog > 0 || this.inFlight.size > 0) {
      await Promise.all([...this.inFlight]);
      if (this.backlog > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  async stop(): Promise<void> {
    if (this.cancelTimer) clearInterval(this.cancelTimer);
    await this.flush();
    await this.producer?.disconnect();
  }

  private track(promise: Promise<void>): void {
    this.inFlight.add(promise);
    void promise.finally(() => {
      this.inFlight.delete(promise);
      this.pump();
    });
  }

  private pump(): void {
    const max = this.options.maxOpenRequests ?? 2_000;
    while (this.httpQueue.length > 0 && this.openRequests < max) {
      const pending = this.httpQueue.shift() as Pending;
      this.openRequests++;
      this.track(this.sendHttp(pending).finally(() => this.openRequests--));
    }
    if (!this.topicBusy && this.topicQueue.length > 0) {
      const batch = this.topicQueue.splice(0, 500);
      this.topicBusy = true;
      this.track(this.sendTopic(batch).finally(() => (this.topicBusy = false)));
    }
  }

  private remember(order: GeneratedOrder, sentAt: number): void {
    if (order.cancelAfterMs !== null && this.options.cancellations !== false) {
      this.cancels.push({ channelId: order.channelId, channelOrderId: order.body.channelOrderId, dueAt: sentAt + order.cancelAfterMs });
    }
  }

  private async sendHttp({ slot, order }: Pending): Promise<void> {
    const { ledger } = this.options;
    const key = this.options.channelKeys.get(order.channelId);
    if (!key) throw new Error(`No API key for channel ${order.channelId}: the platform has ${[...this.options.channelKeys.keys()].join(', ')}`);
    const sentAt = Date.now();
    ledger.sent(order.channelId, order.body.channelOrderId, slot.intendedAt, sentAt);
    this.stats.httpSent++;
    this.remember(order, sentAt);
    try {
      const response = await fetch(`${this.options.apiUrl}/v1/orders`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(order.body),
      });
      const text = await response.text();
      let orderId: string | undefined;
      try {
        orderId = (JSON.parse(text) as { orderId?: string }).orderId;
      } catch {
        orderId = undefined;
      }
      if (response.status !== 202) this.refusal(String(response.status), text);
      // A 422 is a recorded rejection (OrderRejected follows); anything without an order id was not recorded at all.
      if (orderId) ledger.answered(order.channelId, order.body.channelOrderId, { orderId });
      else ledger.answered(order.channelId, order.body.channelOrderId, { refused: `HTTP ${response.status}` });
    } catch (error) {
      this.refusal('network error', (error as Error).message);
      ledger.answered(order.channelId, order.body.channelOrderId, { refused: `network error: ${(error as Error).message}` });
    }
  }

  private async sendTopic(batch: readonly Pending[]): Promise<void> {
    const producer = this.producer as TransportProducer;
    const sentAt = Date.now();
    const messages = batch.map(({ order }) => {
      const event = {
        type: 'OrderReceived',
        payload: {
          ...order.body,
          channel: order.channelId,
          metadata: { eventId: randomUUID(), occurredAt: sentAt, correlationId: `${order.channelId}:${order.body.channelOrderId}`, causationId: null },
        },
      } as AnyEvent;
      return {
        key: keyOf(event),
        value: this.codec.encodeEvent(event),
        headers: { [Headers.messageId]: randomUUID(), [Headers.eventType]: 'OrderReceived', [Headers.createdAt]: String(sentAt) },
      };
    });
    for (const { slot, order } of batch) {
      this.options.ledger.sent(order.channelId, order.body.channelOrderId, slot.intendedAt, sentAt);
      this.remember(order, sentAt);
    }
    this.stats.topicSent += batch.length;
    // The producer retries inside; a send that still fails is sent again whole (consumers deduplicate by message id).
    for (let attempt = 1; ; attempt++) {
      try {
        await producer.send([{ topic: 'orders.received', messages }]);
        return;
      } catch (error) {
        if (attempt >= 5) {
          this.failure = new Error(`Producing ${batch.length} OrderReceived to orders.received failed ${attempt} times: ${(error as Error).message}`);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
  }

  private refusal(status: string, body: string): void {
    const entry = this.stats.refusals.get(status) ?? { count: 0, example: body.slice(0, 300) };
    entry.count++;
    this.stats.refusals.set(status, entry);
  }

  private sendDueCancels(): void {
    const now = Date.now();
    for (let i = 0; i < this.cancels.length; ) {
      const cancel = this.cancels[i];
      const orderId = this.options.ledger.orderIdOf(cancel.channelId, cancel.channelOrderId);
      if (cancel.dueAt > now || !orderId) {
        i++;
        continue;
      }
      this.cancels.splice(i, 1);
      if (this.options.ledger.isRefusedOrRejected(cancel.channelId, cancel.channelOrderId)) continue;
      const key = this.options.channelKeys.get(cancel.channelId) as string;
      this.stats.cancelsRequested++;
      this.track(
        fetch(`${this.options.apiUrl}/v1/orders/${encodeURIComponent(orderId)}/cancel`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ reason: 'CUSTOMER_REQUEST', note: 'benchmark: the customer changed their mind' }),
        })
          .then(async (response) => {
            await response.text();
            if (response.status === 202) this.stats.cancelsAccepted++;
            else this.stats.cancelsRefused++; // 409: already completed (or rejected)
          })
          .catch(() => {
            this.stats.cancelsRefused++;
          }),
      );
    }
  }
}
