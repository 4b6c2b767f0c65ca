import { EventCodec, type DecodedEvent } from '@switchyard/contracts';
import { tapTopics, type Tap, type Transport } from '@switchyard/messaging';

/** What the platform has done so far, counted from its events (each order once per stage). */
export interface ProgressSnapshot {
  readonly received: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly routed: number;
  readonly split: number;
  readonly instructed: number;
  readonly dispatched: number;
  readonly completed: number;
  readonly cancelled: number;
  /** Orders held now (held and not yet released, completed or cancelled). */
  readonly held: number;
  readonly needsAttention: number;
  /** Split orders as a share of routed ones, 0–1. */
  readonly splitRate: number;
  /** Mean estimated shipping + handling cost of the plans routing chose (first plan of each order). */
  readonly averageDecisionCost: number | null;
  readonly currency: string | null;
}

/** Counts orders by stage from the event stream; knows nothing of where the events come from. */
export class ProgressCounter {
  private readonly stages = new Map<string, Set<string>>();
  private readonly heldNow = new Set<string>();
  private costTotal = 0;
  private currency: string | null = null;

  private stage(name: string): Set<string> {
    let set = this.stages.get(name);
    if (!set) this.stages.set(name, (set = new Set()));
    return set;
  }

  private count(name: string): number {
    return this.stages.get(name)?.size ?? 0;
  }

  apply(event: DecodedEvent): void {
    switch (event.type) {
      case 'OrderReceived':
        this.stage('received').add(`${event.payload.channel}/${event.payload.channelOrderId}`);
        break;
      case 'OrderAccepted':
        // Orders sent over HTTP have no OrderReceived: their acceptance or rejection is their arrival.
        this.stage('received').add(`${event.payload.channel}/${event.payload.channelOrderId}`);
        this.stage('accepted').add(event.payload.orderId);
        break;
      case 'OrderRejected':
        this.stage('received').add(`${event.payload.channel}/${event.payload.channelOrderId}`);
        this.stage('rejected').add(`${event.payload.channel}/${event.payload.channelOrderId}`);
        break;
      case 'OrderRouted': {
        const { orderId, plan } = event.payload;
        if (this.stage('routed').has(orderId)) break;
        this.stage('routed').add(orderId);
        if (plan.shipments.length > 1) this.stage('split').add(orderId);
        for (const shipment of plan.shipments) {
          this.costTotal += Number(shipment.estimatedCost.amount);
          this.currency ??= shipment.estimatedCost.currency;
        }
        break;
      }
      case 'FulfilmentInstructed':
        this.stage('instructed').add(event.payload.orderId);
        break;
      case 'ShipmentDispatched':
        this.stage('dispatched').add(event.payload.orderId);
        break;
      case 'OrderHeld':
        this.heldNow.add(event.payload.orderId);
        break;
      case 'OrderReleased':
        this.heldNow.delete(event.payload.orderId);
        break;
      case 'OrderCompleted':
        this.stage('completed').add(event.payload.orderId);
        this.heldNow.delete(event.payload.orderId);
        break;
      case 'OrderCancelled':
        this.stage('cancelled').add(event.payload.orderId);
        this.heldNow.delete(event.payload.orderId);
        break;
      case 'OrderNeedsAttention':
        this.stage('needsAttention').add(event.payload.orderId);
        break;
      default:
        break;
    }
  }

  snapshot(): ProgressSnapshot {
    const routed = this.count('routed');
    return {
      received: this.count('received'),
      accepted: this.count('accepted'),
      rejected: this.count('rejected'),
      routed,
      split: this.count('split'),
      instructed: this.count('instructed'),
      dispatched: this.count('dispatched'),
      completed: this.count('completed'),
      cancelled: this.count('cancelled'),
      held: this.heldNow.size,
      needsAttention: this.count('needsAttention'),
      splitRate: routed === 0 ? 0 : this.count('split') / routed,
      averageDecisionCost: routed === 0 ? null : this.costTotal / routed,
      currency: this.currency,
    };
  }
}

/** The one progress line the platform prints. */
export function formatProgress(s: ProgressSnapshot): string {
  const cost = s.averageDecisionCost === null ? '–' : `${s.averageDecisionCost.toFixed(2)} ${s.currency ?? ''}`.trim();
  return (
    `orders received ${s.received} · accepted ${s.accepted} · rejected ${s.rejected} · routed ${s.routed} · instructed ${s.instructed} · ` +
    `completed ${s.completed} · held ${s.held} · cancelled ${s.cancelled} | split rate ${(s.splitRate * 100).toFixed(1)} % · avg decision cost ${cost}`
  );
}

/** The topics the progress counter reads: the order lifecycle, routing, and each location's instructions. */
export function progressTopics(locationIds: readonly string[]): string[] {
  return ['orders.received', 'orders.lifecycle', 'routing.events', 'fulfilment.events', ...locationIds.map((id) => `fulfilment.instructions.${id}`)];
}

/**
 * Reads the platform's events from the start of its log, in a consumer group of its own that never commits
 * (each start counts the whole history again, so the counts survive restarts), into a ProgressCounter.
 */
export class ProgressObserver {
  readonly counter = new ProgressCounter();
  private readonly codec = new EventCodec();
  private tap: Tap | undefined;
  /** Messages that were not events this codec knows (they go to the services' dead-letter topics; here they are only counted). */
  undecodable = 0;

  constructor(
    private readonly transport: Transport,
    private readonly topics: readonly string[],
  ) {}

  async start(): Promise<void> {
    this.tap = await tapTopics(
      this.transport,
      { groupId: `platform-progress-${process.pid}-${Date.now()}`, topics: this.topics, onError: () => (this.undecodable += 1) },
      (message) => {
        if (message.value) this.counter.apply(this.codec.decode(message.value));
      },
    );
  }

  snapshot(): ProgressSnapshot {
    return this.counter.snapshot();
  }

  async stop(): Promise<void> {
    const tap = this.tap;
    this.tap = undefined;
    await tap?.stop();
  }
}
