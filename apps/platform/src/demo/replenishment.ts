import { EventCodec, type EventOf } from '@switchyard/contracts';
import { Headers, tapTopics, type Tap, type Transport } from '@switchyard/messaging';
import type { DemoNetwork } from './network';

// The demo's supply side: without it, hours of demo traffic empty the shelves and more and more orders wait for
// stock. Trucks arrive at the warehouse simulator's control endpoint as receipts (StockAdjusted RECEIVED), which
// inventory turns into new ATP and the orchestrator into released back-orders, the same path a real WMS takes.

/** One receipt sent to the warehouse simulator. */
export interface DemoReceipt {
  readonly locationId: string;
  readonly sku: string;
  readonly units: number;
  /** `reorder`: a stocked SKU fell below its reorder point; `back-order`: a SKU out of stock everywhere came in. */
  readonly why: 'reorder' | 'back-order';
}

export interface ReplenishmentOptions {
  /** The platform's transport, to read `StockLevelChanged` on `inventory.events`. */
  readonly transport: Transport;
  /** Base URL of the warehouse simulator (its `/v1/stock` control endpoint). */
  readonly warehouseUrl: string;
  readonly operatorKey: string;
  readonly network: DemoNetwork;
  /** Between a SKU falling below its reorder point and its truck arriving (default 20 s). */
  readonly leadTimeMs?: number;
  /** A location reorders a SKU when its ATP falls below this share of its starting stock (default 0.25). */
  readonly reorderShare?: number;
  /** Every so often one of the SKUs out of stock everywhere comes in at the national DC (default every 90 s). */
  readonly backOrderArrivalEveryMs?: number;
  readonly backOrderArrivalUnits?: number;
  /** Told about every receipt that could not be sent; never thrown. */
  readonly onError: (message: string) => void;
  /** Told about every receipt sent. */
  readonly onReceipt?: (receipt: DemoReceipt) => void;
}

/**
 * Reorder-point replenishment for the demo network. Each location that started with stock of a SKU reorders it
 * when its available-to-promise falls below `reorderShare` of that starting level, and the truck brings it back
 * up to the starting level after `leadTimeMs` (one truck per SKU and location on the way at a time). The SKUs the
 * network keeps out of stock everywhere come in a few units at a time, one SKU per `backOrderArrivalEveryMs`, at
 * the national DC: enough to release some of the orders waiting for them, not enough to make them ordinary.
 */
export class DemoReplenishment {
  private readonly codec = new EventCodec();
  /** Latest ATP per `sku@location`, from the events. */
  private readonly available = new Map<string, number>();
  private readonly onTheWay = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly sending = new Set<Promise<void>>();
  private readonly nationalDc: string;
  private tap: Tap | undefined;
  private arrivals: NodeJS.Timeout | undefined;
  private nextBackOrderSku = 0;
  private stopped = false;
  private read = 0;

  constructor(private readonly options: ReplenishmentOptions) {
    const dc = options.network.locations.find((l) => l.kind === 'dc');
    if (!dc) throw new Error('the demo network has no DC to receive back-ordered SKUs');
    this.nationalDc = dc.id;
  }

  /** Stock levels read since the start (a tap starts at the end of the topic: this tells that it is reading). */
  get levelsRead(): number {
    return this.read;
  }

  async start(): Promise<void> {
    this.tap = await tapTopics(
      this.options.transport,
      {
        groupId: `demo-replenishment-${process.pid}-${Date.now()}`,
        topics: ['inventory.events'],
        // What happened before this start is past: the next change of a SKU tells its level again.
        fromBeginning: false,
        onError: (error) => this.options.onError(`replenishment could not read a stock level: ${(error as Error).message}`),
      },
      (message) => {
        if (message.headers[Headers.eventType] !== 'StockLevelChanged' || !message.value) return;
        this.levelChanged(this.codec.decode(message.value) as EventOf<'StockLevelChanged'>);
      },
    );
    const every = this.options.backOrderArrivalEveryMs ?? 90_000;
    if (this.options.network.outOfStockSkus.length > 0) this.arrivals = setInterval(() => this.backOrderArrival(), every);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.arrivals);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await this.tap?.stop();
    this.tap = undefined;
    await Promise.all(this.sending);
  }

  private levelChanged(event: EventOf<'StockLevelChanged'>): void {
    const { locationId, sku, available } = event.payload;
    const key = `${sku}@${locationId}`;
    this.read += 1;
    this.available.set(key, available);
    const start = this.options.network.stock[locationId]?.[sku];
    if (start === undefined || this.onTheWay.has(key) || this.stopped) return;
    if (available >= Math.ceil(start * (this.options.reorderShare ?? 0.25))) return;
    this.onTheWay.add(key);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      // The truck brings what is missing when it arrives, not when it was ordered.
      const units = Math.max(1, start - (this.available.get(key) ?? 0));
      this.send({ locationId, sku, units, why: 'reorder' }, () => this.onTheWay.delete(key));
    }, this.options.leadTimeMs ?? 20_000);
    this.timers.add(timer);
  }

  private backOrderArrival(): void {
    const skus = this.options.network.outOfStockSkus;
    const sku = skus[this.nextBackOrderSku++ % skus.length] as string;
    this.send({ locationId: this.nationalDc, sku, units: this.options.backOrderArrivalUnits ?? 12, why: 'back-order' }, () => undefined);
  }

  private send(receipt: DemoReceipt, done: () => void): void {
    if (this.stopped) return;
    const sending = (async () => {
      try {
        const response = await fetch(`${this.options.warehouseUrl}/v1/stock`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${this.options.operatorKey}` },
          body: JSON.stringify({ locationId: receipt.locationId, sku: receipt.sku, received: receipt.units, reference: `demo-${receipt.why}` }),
          signal: AbortSignal.timeout(10_000),
        });
        if (!response.ok) throw new Error(`the warehouse simulator answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
        this.options.onReceipt?.(receipt);
      } catch (error) {
        this.options.onError(`receipt of ${receipt.units} × ${receipt.sku} at ${receipt.locationId} not sent: ${(error as Error).message}`);
      } finally {
        done();
      }
    })();
    this.sending.add(sending);
    void sending.finally(() => this.sending.delete(sending));
  }
}
