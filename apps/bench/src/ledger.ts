// Every order the bench sent, followed through the events of its life. Events of different topics arrive in no
// fixed order (an order's FulfilmentInstructed may be read before its OrderAccepted), so events are kept per
// order id and joined to the channel order when its OrderAccepted (or OrderRejected, or the HTTP answer) names
// the order id. Times are the events' own `metadata.occurredAt`, written by the service that made the event.

import type { Histogram } from 'hdr-histogram-js';
import { latencyHistogram, recordMs, summarise, type LatencySummary } from './stats';

/** The part of a decoded event the ledger reads. */
export interface ObservedEvent {
  readonly type: string;
  readonly eventId: string;
  readonly occurredAt: number;
  readonly payload: {
    readonly orderId?: string;
    readonly channel?: string;
    readonly channelOrderId?: string;
    readonly fulfilmentId?: string;
    readonly plan?: { readonly shipments: readonly unknown[] };
  };
}

/** The event types the ledger follows (every other type is only counted). */
export const FOLLOWED_TYPES = new Set([
  'OrderAccepted',
  'OrderRejected',
  'OrderRouted',
  'OrderUnroutable',
  'FulfilmentInstructed',
  'ShipmentDispatched',
  'OrderHeld',
  'OrderReleased',
  'OrderNeedsAttention',
  'OrderCancelled',
  'OrderCompleted',
]);

export type Outcome = 'completed' | 'rejected' | 'cancelled' | 'parked' | 'refused' | 'lost';

export interface Duplicate {
  readonly kind: 'order accepted twice' | 'fulfilment instructed twice' | 'shipment dispatched twice' | 'order completed twice' | 'order rejected twice';
  readonly orderId: string;
  readonly detail: string;
}

interface OrderTrack {
  orderId?: string;
  key?: string;
  intendedAt?: number;
  sentAt?: number;
  /** The intake refused the order (HTTP answer other than 202): it will have no events. */
  refused?: string;
  acceptedAt?: number;
  acceptedEventIds: Set<string>;
  rejectedAt?: number;
  rejectedEventIds: Set<string>;
  routedAt?: number;
  plannedShipments?: number;
  /** fulfilmentId → time of its instruction. */
  instructions: Map<string, { at: number; eventId: string }>;
  dispatches: Map<string, string>;
  heldAt?: number;
  attentionAt?: number;
  releasedAt?: number;
  cancelledAt?: number;
  completedAt?: number;
  completedEventIds: Set<string>;
}

const newTrack = (): OrderTrack => ({
  acceptedEventIds: new Set(),
  rejectedEventIds: new Set(),
  instructions: new Map(),
  dispatches: new Map(),
  completedEventIds: new Set(),
});

export interface StageLatencies {
  /** From the time the schedule meant to send the order (coordinated-omission aware). */
  readonly fromIntended: Readonly<Record<Stage, LatencySummary>>;
  /** From the time the order was actually sent. */
  readonly fromSent: Readonly<Record<Stage, LatencySummary>>;
}

export type Stage = 'accepted' | 'routed' | 'instructed' | 'completed';
export const STAGES: readonly Stage[] = ['accepted', 'routed', 'instructed', 'completed'];

export interface LedgerSummary {
  readonly sent: number;
  readonly outcomes: Readonly<Record<Outcome, number>>;
  readonly duplicates: readonly Duplicate[];
  /** The same event read again (same event id): at-least-once delivery, not a duplicated order. */
  readonly redelivered: number;
  readonly latencies: StageLatencies;
  /** Orders that settled, lost ones (first few) for the report. */
  readonly lostExamples: readonly string[];
  /** Time the first order was sent and the last settling event happened. */
  readonly firstSentAt: number;
  readonly lastSettledAt: number;
}

export class OrderLedger {
  private readonly byKey = new Map<string, OrderTrack>();
  private readonly byOrderId = new Map<string, OrderTrack>();
  private readonly seenEvents = new Set<string>();
  private readonly duplicates: Duplicate[] = [];
  private redelivered = 0;
  private sentCount = 0;
  private settledCount = 0;
  private instructedCount = 0;
  private acceptedCount = 0;
  private completedCount = 0;
  /** Received → first FulfilmentInstructed from the intended time, reset by `takeWindow()` (the progress line's p99). */
  private window: Histogram = latencyHistogram();

  static keyOf(channel: string, channelOrderId: string): string {
    return `${channel}\u0000${channelOrderId}`;
  }

  /** The bench handed this order to the intake (HTTP request or topic message). */
  sent(channel: string, channelOrderId: string, intendedAt: number, sentAt: number): void {
    const key = OrderLedger.keyOf(channel, channelOrderId);
    if (this.byKey.has(key)) throw new Error(`The bench sent channel order ${channel}/${channelOrderId} twice: the order source must make unique ids.`);
    const track = newTrack();
    track.key = key;
    track.intendedAt = intendedAt;
    track.sentAt = sentAt;
    this.byKey.set(key, track);
    this.sentCount++;
  }

  /** The HTTP intake answered: 202 with an order id, or a refusal (no events will follow). */
  answered(channel: string, channelOrderId: string, answer: { orderId: string } | { refused: string }): void {
    const track = this.byKey.get(OrderLedger.keyOf(channel, channelOrderId));
    if (!track) return;
    if ('refused' in answer) {
      if (!track.refused && !this.isSettled(track)) this.settledCount++;
      track.refused = answer.refused;
      return;
    }
    this.link(track, answer.orderId);
  }

  observe(event: ObservedEvent): void {
    if (this.seenEvents.has(event.eventId)) {
      this.redelivered++;
      return;
    }
    this.seenEvents.add(event.eventId);
    const { orderId } = event.payload;
    if (!orderId) return;
    let track = this.byOrderId.get(orderId);
    if (event.type === 'OrderAccepted' || event.type === 'OrderRejected') {
      const { channel, channelOrderId } = event.payload;
      const mine = channel !== undefined && channelOrderId !== undefined ? this.byKey.get(OrderLedger.keyOf(channel, channelOrderId)) : undefined;
      if (!mine) return; // not an order of this run
      if (track && track.key !== undefined && track !== mine) {
        // A second order id for the same channel order: the intake accepted it twice.
        this.duplicates.push({ kind: 'order accepted twice', orderId, detail: `${channel}/${channelOrderId} is also order ${mine.orderId ?? '(unknown)'}` });
        return;
      }
      track = this.link(mine, orderId);
    }
    if (!track) {
      track = newTrack();
      track.orderId = orderId;
      this.byOrderId.set(orderId, track);
    }
    const wasSettled = this.isSettled(track);
    const at = event.occurredAt;
    switch (event.type) {
      case 'OrderAccepted':
        track.acceptedEventIds.add(event.eventId);
        if (track.acceptedEventIds.size > 1) this.duplicates.push({ kind: 'order accepted twice', orderId, detail: `${track.acceptedEventIds.size} OrderAccepted events` });
        if (track.acceptedAt === undefined && track.key) this.acceptedCount++;
        track.acceptedAt ??= at;
        break;
      case 'OrderRejected':
        track.rejectedEventIds.add(event.eventId);
        if (track.rejectedEventIds.size > 1) this.duplicates.push({ kind: 'order rejected twice', orderId, detail: `${track.rejectedEventIds.size} OrderRejected events` });
        track.rejectedAt ??= at;
        break;
      case 'OrderRouted':
        if (track.routedAt === undefined) {
          track.routedAt = at;
          track.plannedShipments = event.payload.plan?.shipments.length;
        }
        break;
      case 'FulfilmentInstructed': {
        const fulfilmentId = event.payload.fulfilmentId ?? '';
        const before = track.instructions.get(fulfilmentId);
        if (before) this.duplicates.push({ kind: 'fulfilment instructed twice', orderId, detail: `fulfilment ${fulfilmentId}: events ${before.eventId} and ${event.eventId}` });
        else {
          if (track.instructions.size === 0 && track.key) this.countInstructed(track, at);
          track.instructions.set(fulfilmentId, { at, eventId: event.eventId });
        }
        break;
      }
      case 'ShipmentDispatched': {
        const fulfilmentId = event.payload.fulfilmentId ?? '';
        if (track.dispatches.has(fulfilmentId)) this.duplicates.push({ kind: 'shipment dispatched twice', orderId, detail: `fulfilment ${fulfilmentId}` });
        else track.dispatches.set(fulfilmentId, event.eventId);
        break;
      }
      case 'OrderHeld':
        track.heldAt = at;
        break;
      case 'OrderReleased':
        track.releasedAt = at;
        break;
      case 'OrderNeedsAttention':
        track.attentionAt = at;
        break;
      case 'OrderCancelled':
        track.cancelledAt ??= at;
        break;
      case 'OrderCompleted':
        track.completedEventIds.add(event.eventId);
        if (track.completedEventIds.size > 1) this.duplicates.push({ kind: 'order completed twice', orderId, detail: `${track.completedEventIds.size} OrderCompleted events` });
        if (track.completedAt === undefined && track.key) this.completedCount++;
        track.completedAt ??= at;
        break;
      default:
        break;
    }
    if (track.key) this.settleChange(wasSettled, track);
  }

  /** Keeps the settled count right: an order can settle, and a held one un-settle when it is released. */
  private settleChange(wasSettled: boolean, track: OrderTrack): void {
    const settled = this.isSettled(track);
    if (!wasSettled && settled) this.settledCount++;
    if (wasSettled && !settled) this.settledCount--;
  }

  /** The Switchyard order id of a channel order, once known (HTTP answer or OrderAccepted). */
  orderIdOf(channel: string, channelOrderId: string): string | undefined {
    return this.byKey.get(OrderLedger.keyOf(channel, channelOrderId))?.orderId;
  }

  /** True when the order will never be cancellable: refused by the intake or rejected. */
  isRefusedOrRejected(channel: string, channelOrderId: string): boolean {
    const track = this.byKey.get(OrderLedger.keyOf(channel, channelOrderId));
    return track !== undefined && (track.refused !== undefined || track.rejectedAt !== undefined);
  }

  /** Orders sent and not yet in a terminal (or parked) state. */
  inFlight(): number {
    return this.sentCount - this.settledCount;
  }

  counts(): { sent: number; accepted: number; instructed: number; completed: number; settled: number; inFlight: number; duplicates: number } {
    return {
      sent: this.sentCount,
      accepted: this.acceptedCount,
      instructed: this.instructedCount,
      completed: this.completedCount,
      settled: this.settledCount,
      inFlight: this.inFlight(),
      duplicates: this.duplicates.length,
    };
  }

  /** p99 (ms, from the intended send time) of received → first FulfilmentInstructed since the last call. */
  takeWindowP99(): number | null {
    const p99 = this.window.totalCount > 0 ? this.window.getValueAtPercentile(99) : null;
    this.window.reset();
    return p99;
  }

  summary(): LedgerSummary {
    const outcomes: Record<Outcome, number> = { completed: 0, rejected: 0, cancelled: 0, parked: 0, refused: 0, lost: 0 };
    const fromIntended = Object.fromEntries(STAGES.map((s) => [s, latencyHistogram()])) as Record<Stage, Histogram>;
    const fromSent = Object.fromEntries(STAGES.map((s) => [s, latencyHistogram()])) as Record<Stage, Histogram>;
    const lostExamples: string[] = [];
    let firstSentAt = Infinity;
    let lastSettledAt = 0;
    for (const track of this.byKey.values()) {
      const outcome = outcomeOf(track);
      outcomes[outcome]++;
      if (outcome === 'lost' && lostExamples.length < 10) lostExamples.push(describe(track));
      firstSentAt = Math.min(firstSentAt, track.sentAt ?? Infinity);
      const settledAt = settledTime(track);
      if (settledAt !== undefined) lastSettledAt = Math.max(lastSettledAt, settledAt);
      const times: Record<Stage, number | undefined> = {
        accepted: track.acceptedAt,
        routed: track.routedAt,
        instructed: instructedTime(track),
        completed: track.completedAt,
      };
      for (const stage of STAGES) {
        const at = times[stage];
        if (at === undefined) continue;
        if (track.intendedAt !== undefined) recordMs(fromIntended[stage], at - track.intendedAt);
        if (track.sentAt !== undefined) recordMs(fromSent[stage], at - track.sentAt);
      }
    }
    const summariseAll = (h: Record<Stage, Histogram>) => Object.fromEntries(STAGES.map((s) => [s, summarise(h[s])])) as Record<Stage, LatencySummary>;
    return {
      sent: this.sentCount,
      outcomes,
      duplicates: [...this.duplicates],
      redelivered: this.redelivered,
      latencies: { fromIntended: summariseAll(fromIntended), fromSent: summariseAll(fromSent) },
      lostExamples,
      firstSentAt: Number.isFinite(firstSentAt) ? firstSentAt : 0,
      lastSettledAt,
    };
  }

  private countInstructed(track: OrderTrack, at: number): void {
    this.instructedCount++;
    if (track.intendedAt !== undefined) recordMs(this.window, at - track.intendedAt);
  }

  /** Joins a channel order to its order id, merging events that arrived before the join. */
  private link(track: OrderTrack, orderId: string): OrderTrack {
    if (track.orderId === orderId) return track;
    const early = this.byOrderId.get(orderId);
    track.orderId = orderId;
    this.byOrderId.set(orderId, track);
    if (early && early !== track) {
      // Events read before we knew whose order this was: replay them on the joined track.
      const wasSettled = this.isSettled(track);
      if (track.acceptedAt === undefined && early.acceptedAt !== undefined) this.acceptedCount++;
      track.acceptedAt ??= early.acceptedAt;
      early.acceptedEventIds.forEach((id) => track.acceptedEventIds.add(id));
      track.rejectedAt ??= early.rejectedAt;
      early.rejectedEventIds.forEach((id) => track.rejectedEventIds.add(id));
      track.routedAt ??= early.routedAt;
      track.plannedShipments ??= early.plannedShipments;
      if (track.instructions.size === 0 && early.instructions.size > 0) this.countInstructed(track, Math.min(...[...early.instructions.values()].map((i) => i.at)));
      early.instructions.forEach((v, k) => track.instructions.set(k, v));
      early.dispatches.forEach((v, k) => track.dispatches.set(k, v));
      track.heldAt ??= early.heldAt;
      track.releasedAt ??= early.releasedAt;
      track.attentionAt ??= early.attentionAt;
      track.cancelledAt ??= early.cancelledAt;
      if (track.completedAt === undefined && early.completedAt !== undefined) this.completedCount++;
      track.completedAt ??= early.completedAt;
      early.completedEventIds.forEach((id) => track.completedEventIds.add(id));
      this.settleChange(wasSettled, track);
    }
    return track;
  }

  private isSettled(track: OrderTrack): boolean {
    return outcomeOf(track) !== 'lost';
  }
}

/** Completed wins over everything (a partly cancelled order completes); a held order released later is not parked. */
export function outcomeOf(track: Pick<OrderTrack, 'refused' | 'completedAt' | 'rejectedAt' | 'cancelledAt' | 'heldAt' | 'releasedAt' | 'attentionAt'>): Outcome {
  if (track.completedAt !== undefined) return 'completed';
  if (track.refused !== undefined) return 'refused';
  if (track.rejectedAt !== undefined) return 'rejected';
  if (track.cancelledAt !== undefined) return 'cancelled';
  if (track.attentionAt !== undefined) return 'parked';
  if (track.heldAt !== undefined && (track.releasedAt === undefined || track.releasedAt < track.heldAt)) return 'parked';
  return 'lost';
}

/**
 * "Instructed" is the time the order's whole first plan was instructed: the k-th instruction, k the number of
 * shipments of its first OrderRouted (the last instruction if that is unknown).
 */
export function instructedTime(track: Pick<OrderTrack, 'instructions' | 'plannedShipments'>): number | undefined {
  if (track.instructions.size === 0) return undefined;
  const times = [...track.instructions.values()].map((i) => i.at).sort((a, b) => a - b);
  const k = track.plannedShipments !== undefined && track.plannedShipments > 0 ? Math.min(track.plannedShipments, times.length) : times.length;
  return times[k - 1];
}

function settledTime(track: OrderTrack): number | undefined {
  switch (outcomeOf(track)) {
    case 'completed':
      return track.completedAt;
    case 'rejected':
      return track.rejectedAt;
    case 'cancelled':
      return track.cancelledAt;
    case 'parked':
      return Math.max(track.heldAt ?? 0, track.attentionAt ?? 0);
    default:
      return undefined;
  }
}

function describe(track: OrderTrack): string {
  const [channel, channelOrderId] = (track.key ?? '').split('\u0000');
  const seen = [
    track.acceptedAt !== undefined && 'accepted',
    track.routedAt !== undefined && 'routed',
    track.instructions.size > 0 && `${track.instructions.size} instructed`,
    track.dispatches.size > 0 && `${track.dispatches.size} dispatched`,
    track.heldAt !== undefined && 'held',
    track.releasedAt !== undefined && 'released',
  ].filter(Boolean);
  return `${channel}/${channelOrderId} (order ${track.orderId ?? 'unknown'}): ${seen.length > 0 ? `last seen ${seen.join(', ')}` : 'no event at all'}`;
}
