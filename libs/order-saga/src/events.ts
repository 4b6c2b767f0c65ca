import type { CancellationReason, EventMetadata, EventOf, LineQuantity } from '@switchyard/contracts';
import type { HoldOrder, RerouteOrder, TimerElapsed } from './inputs';

/** What a deadline waits for. */
export type TimerPurpose =
  | 'ROUTING_REPLY' | 'RESERVATION_REPLY' | 'CARRIER_REPLY' | 'CARRIER_RETRY'
  | 'FULFILMENT_ACCEPTANCE' | 'DISPATCH' | 'BACK_ORDER_REVIEW' | 'FULFILMENT_CANCELLATION';

interface Internal<T extends string, P> {
  readonly type: T;
  readonly payload: P & { readonly metadata: EventMetadata; readonly orderId: string };
}

/** The service must fire TimerElapsed for `timerId` at `dueAt` unless TimerCancelled comes first. */
export type TimerScheduled = Internal<'TimerScheduled', {
  readonly timerId: string;
  readonly purpose: TimerPurpose;
  readonly dueAt: number;
  /** The shipment a per-shipment deadline watches; null for order-level steps. */
  readonly shipmentId: string | null;
}>;
export type TimerCancelled = Internal<'TimerCancelled', { readonly timerId: string }>;
/** Lines the order gives up (CANCEL_UNAVAILABLE); reported in OrderCompleted.cancelledLines. */
export type LinesCancelled = Internal<'LinesCancelled', { readonly lines: readonly LineQuantity[]; readonly reason: CancellationReason }>;
/** Compensation of FulfilmentInstructed: sent to the location's instruction topic; it answers FulfilmentCancelled. */
export type FulfilmentCancellationRequested = EventOf<'FulfilmentCancellationRequested'>;
/** A fired timer, recorded so the same timer cannot act twice. */
export type TimerFired = Omit<TimerElapsed, 'now'>;
/** An operator hold, recorded as given: who and why, for the order's timeline. */
export type HoldRecorded = Omit<HoldOrder, 'now'>;
/** An operator re-route, recorded as given: the step in flight is abandoned and the automatic re-route budget starts again. */
export type RerouteRecorded = Omit<RerouteOrder, 'now'>;

/** Contract events the saga keeps in the order's stream as they arrived (replies and the order's start). */
export type RecordedEventType =
  | 'OrderAccepted' | 'OrderRejected' | 'OrderRouted' | 'OrderUnroutable'
  | 'StockReserved' | 'StockReservationFailed' | 'CarrierSelected' | 'CarrierSelectionFailed'
  | 'FulfilmentAccepted' | 'FulfilmentRejected' | 'ShipmentDispatched' | 'FulfilmentCancelled';
/** Contract events the saga writes and sends to another service. */
export type CommandEventType =
  | 'RouteOrder' | 'ReserveStock' | 'ReleaseStock' | 'SelectCarrier' | 'FulfilmentInstructed' | 'FulfilmentCancellationRequested';
/** Contract events the saga publishes about the order's status. */
export type StatusEventType = 'OrderHeld' | 'OrderReleased' | 'OrderCancelled' | 'OrderCompleted' | 'OrderNeedsAttention';

type ContractEventType = RecordedEventType | CommandEventType | StatusEventType;
type InternalEvent = TimerScheduled | TimerCancelled | LinesCancelled;
type RecordedCommand = TimerFired | HoldRecorded | RerouteRecorded;

/** The order's own event stream: what `decide` returns and `evolve` folds. */
export type SagaEvent = { [T in ContractEventType]: EventOf<T> }[ContractEventType] | RecordedCommand | InternalEvent;
export type SagaEventType = SagaEvent['type'];
export type SagaEventOf<T extends SagaEventType> = Extract<SagaEvent, { type: T }>;

/** What an event is to the outside: a reply kept as received, a message to send, or the saga's own bookkeeping. */
export type EventRole = 'recorded' | 'command' | 'status' | 'internal';

export const eventRoles: { readonly [T in SagaEventType]: EventRole } = {
  OrderAccepted: 'recorded', OrderRejected: 'recorded', OrderRouted: 'recorded', OrderUnroutable: 'recorded',
  StockReserved: 'recorded', StockReservationFailed: 'recorded', CarrierSelected: 'recorded', CarrierSelectionFailed: 'recorded',
  FulfilmentAccepted: 'recorded', FulfilmentRejected: 'recorded', ShipmentDispatched: 'recorded', FulfilmentCancelled: 'recorded',
  TimerElapsed: 'recorded', HoldOrder: 'recorded', RerouteOrder: 'recorded',
  RouteOrder: 'command', ReserveStock: 'command', ReleaseStock: 'command', SelectCarrier: 'command', FulfilmentInstructed: 'command',
  FulfilmentCancellationRequested: 'command',
  OrderHeld: 'status', OrderReleased: 'status', OrderCancelled: 'status', OrderCompleted: 'status', OrderNeedsAttention: 'status',
  TimerScheduled: 'internal', TimerCancelled: 'internal', LinesCancelled: 'internal',
};

/** The input an event answers: a recorded input is its own cause. */
export const handledInputOf = (event: SagaEvent): string | null =>
  eventRoles[event.type] === 'recorded' ? event.payload.metadata.eventId : event.payload.metadata.causationId;
