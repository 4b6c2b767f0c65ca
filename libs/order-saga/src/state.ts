import type { AttentionProblem, CarrierService, EventPayload, LineQuantity, ReleaseReason, ReservationItem } from '@switchyard/contracts';
import type { TimerPurpose } from './events';
import { addLines, intersectLines } from './lines';

/** The order as intake accepted it. */
export type AcceptedOrder = Omit<EventPayload<'OrderAccepted'>, 'metadata'>;

interface ShipmentBase {
  /** From routing's plan; also the fulfilment id the location sees. */
  readonly shipmentId: string;
  readonly locationId: string;
  /** What the shipment will carry (after rejections), or carried (once dispatched). */
  readonly lines: readonly LineQuantity[];
}

/** One shipment of a plan, tracked on its own so split orders progress shipment by shipment. */
export type TrackedShipment =
  | (ShipmentBase & { readonly stage: 'Planned' })
  | (ShipmentBase & { readonly stage: 'Reserving' | 'Reserved'; readonly reservationId: string })
  | (ShipmentBase & { readonly stage: 'Instructed' | 'Accepted'; readonly reservationId: string; readonly carrier: CarrierService })
  | (ShipmentBase & { readonly stage: 'Dispatched'; readonly reservationId: string; readonly carrier: CarrierService; readonly trackingNumber: string })
  /** The location confirmed (FulfilmentCancelled) that it will not ship this cancelled order's instruction. */
  | (ShipmentBase & { readonly stage: 'Withdrawn'; readonly reservationId: string; readonly carrier: CarrierService });

export type ShipmentStage = TrackedShipment['stage'];

/** The undo of a completed step, Temporal-style: pushed when the step completes, unwound in reverse on cancel. */
export type Compensation =
  | { readonly undo: 'ReleaseStock'; readonly reservationId: string; readonly shipmentId: string; readonly items: readonly ReservationItem[] }
  | { readonly undo: 'CancelInstruction'; readonly fulfilmentId: string; readonly locationId: string };

/** A reservation asked for and then given up before inventory answered: released if inventory says it held it. */
export interface AbandonedReservation {
  readonly reservationId: string;
  readonly shipmentId: string;
  readonly items: readonly ReservationItem[];
  readonly releaseReason: ReleaseReason;
}

export interface LiveTimer {
  readonly timerId: string;
  readonly purpose: TimerPurpose;
  readonly dueAt: number;
  readonly shipmentId: string | null;
}

/** The order-level request in flight: at most one at a time. `tries` counts deadlines started for it. */
export type Step =
  | { readonly kind: 'Routing'; readonly attempt: number; readonly lines: readonly LineQuantity[]; readonly excludedLocationIds: readonly string[]; readonly tries: number }
  | { readonly kind: 'Reserving'; readonly tries: number }
  | { readonly kind: 'SelectingCarrier'; readonly shipmentIds: readonly string[]; readonly tries: number };

/** Escalated to operations; the saga stays where it stalled so a late reply or an operator can move it on. */
export interface Attention {
  readonly problem: AttentionProblem;
  readonly awaiting: string | null;
}

/** Escalations after which the saga starts nothing by itself: its automatic re-routes are spent. */
export const waitsForOperator = (attention: Attention | null): boolean =>
  attention?.problem === 'RETRIES_EXHAUSTED' && attention.awaiting === null;

export interface OperatorHold {
  readonly operatorId: string;
  readonly reason: string;
  readonly since: number;
}

/** Everything an accepted order carries through the saga. */
export interface OrderProgress {
  readonly orderId: string;
  readonly order: AcceptedOrder;
  readonly step: Step | null;
  readonly shipments: readonly TrackedShipment[];
  /** Back-ordered lines waiting for stock (under HOLD and SPLIT, every line of the order, placeable or not). */
  readonly heldLines: readonly LineQuantity[];
  /**
   * The units routing could not place since the order last went on (its `unplaceableLines`, or what a plan left
   * out): only stock for these can move a back-order on. Cleared with `heldLines`.
   */
  readonly shortLines: readonly LineQuantity[];
  /** Lines the order will not ship (CANCEL_UNAVAILABLE, or the remainder of a cancelled order). */
  readonly cancelledLines: readonly LineQuantity[];
  /** Undo stack: last entry is undone first. */
  readonly compensations: readonly Compensation[];
  readonly abandonedReservations: readonly AbandonedReservation[];
  readonly timers: readonly LiveTimer[];
  readonly attention: Attention | null;
  readonly hold: OperatorHold | null;
  readonly outcome: 'Completed' | 'Cancelled' | null;
  /** Last RouteOrder attempt number sent. */
  readonly routingAttempt: number;
  /** Re-routes started by the saga itself since the last operator re-route. */
  readonly automaticReroutes: number;
  readonly excludedLocationIds: readonly string[];
  /** Counters behind the saga's own ids (timers, reservations). */
  readonly issued: { readonly timers: number; readonly reservations: number };
  /** Most recent input ids handled, so a redelivered input changes nothing. */
  readonly handledInputIds: readonly string[];
}

export interface Empty { readonly status: 'Empty'; readonly handledInputIds: readonly string[] }
export interface Rejected { readonly status: 'Rejected'; readonly orderId: string; readonly handledInputIds: readonly string[] }
/** Accepted, nothing asked yet (only between events of one decision). */
export type Accepted = OrderProgress & { readonly status: 'Accepted' };
export type Routing = OrderProgress & { readonly status: 'Routing'; readonly step: Extract<Step, { kind: 'Routing' }> };
export type Reserving = OrderProgress & { readonly status: 'Reserving'; readonly step: Extract<Step, { kind: 'Reserving' }> };
export type SelectingCarrier = OrderProgress & { readonly status: 'SelectingCarrier'; readonly step: Extract<Step, { kind: 'SelectingCarrier' }> };
/** Every placed line is at a location; none has left yet. */
export type Instructed = OrderProgress & { readonly status: 'Instructed'; readonly step: null };
/** Some shipments left, others are still at their locations. */
export type PartiallyDispatched = OrderProgress & { readonly status: 'PartiallyDispatched'; readonly step: null };
/** Nothing in flight but lines waiting for stock. */
export type BackOrdered = OrderProgress & { readonly status: 'BackOrdered'; readonly step: null };
export type OnHold = OrderProgress & { readonly status: 'OnHold'; readonly hold: OperatorHold };
/** Escalated with nothing asked at order level: only an operator (or a late fulfilment reply) moves it on. */
export type NeedsAttention = OrderProgress & { readonly status: 'NeedsAttention'; readonly attention: Attention; readonly step: null };
export type Completed = OrderProgress & { readonly status: 'Completed'; readonly outcome: 'Completed' };
export type Cancelled = OrderProgress & { readonly status: 'Cancelled'; readonly outcome: 'Cancelled' };

export type SagaState =
  | Empty | Rejected | Accepted | Routing | Reserving | SelectingCarrier | Instructed | PartiallyDispatched
  | BackOrdered | OnHold | NeedsAttention | Completed | Cancelled;
export type SagaStatus = SagaState['status'];
export type ActiveState = Exclude<SagaState, Empty | Rejected>;

export const initialState = (): SagaState => ({ status: 'Empty', handledInputIds: [] });

export const isTerminal = (state: SagaState): boolean =>
  state.status === 'Completed' || state.status === 'Cancelled' || state.status === 'Rejected';

export const hasProgress = (state: SagaState): state is ActiveState => state.status !== 'Empty' && state.status !== 'Rejected';

/** Shipments at a location and not yet gone. */
export const inFlight = (shipment: TrackedShipment): boolean => shipment.stage === 'Instructed' || shipment.stage === 'Accepted';

/**
 * The held units a stock signal could help: the short ones among the held lines. Should no routing reply have named
 * any (an empty `unplaceableLines`), every held line counts, so no back-order is left without a wake-up.
 */
export function awaitedStock(progress: OrderProgress): LineQuantity[] {
  const short = intersectLines(progress.shortLines, progress.heldLines);
  return short.length > 0 ? short : addLines(progress.heldLines);
}

/** The named state an order's progress is in. */
export function withStatus(progress: OrderProgress): ActiveState {
  if (progress.outcome) return { ...progress, status: progress.outcome } as Completed | Cancelled;
  if (progress.hold) return { ...progress, status: 'OnHold', hold: progress.hold };
  const step = progress.step;
  if (step?.kind === 'Routing') return { ...progress, status: 'Routing', step };
  if (step?.kind === 'Reserving') return { ...progress, status: 'Reserving', step };
  if (step?.kind === 'SelectingCarrier') return { ...progress, status: 'SelectingCarrier', step };
  const settled = { ...progress, step: null };
  if (progress.attention) return { ...settled, status: 'NeedsAttention', attention: progress.attention };
  if (progress.shipments.some(inFlight)) {
    return progress.shipments.some((s) => s.stage === 'Dispatched') ? { ...settled, status: 'PartiallyDispatched' } : { ...settled, status: 'Instructed' };
  }
  if (progress.heldLines.length > 0) return { ...settled, status: 'BackOrdered' };
  if (progress.shipments.some((s) => s.stage === 'Dispatched')) return { ...settled, status: 'PartiallyDispatched' };
  return { ...settled, status: 'Accepted' };
}

/** The state's name as operations see it, e.g. SELECTING_CARRIER. */
export const statusLabel = (status: SagaStatus): string => status.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
