import type { EpochMillis, EventMetadata, EventOf, EventType } from '@switchyard/contracts';

/** A contract event as the saga receives it, with the orchestrator's clock reading when it was handled. */
export type Received<T extends EventType> = EventOf<T> & { readonly now: EpochMillis };

/**
 * Intake's OrderAccepted. `cancelWaiting`: a channel's CancelOrder came before it (the service parked it) and is
 * decided right after it, so the order is recorded but nothing is asked of anyone first.
 */
export type OrderStart = Received<'OrderAccepted'> & { readonly cancelWaiting?: boolean };

/** An input only the orchestrator knows (operations API, durable timers): same envelope as a contract event. */
export interface SagaCommand<T extends string, P> {
  readonly type: T;
  readonly payload: P & { readonly metadata: EventMetadata; readonly orderId: string };
  readonly now: EpochMillis;
}

/** Operations stop the order before it reaches a warehouse (fraud review, customer call). */
export type HoldOrder = SagaCommand<'HoldOrder', { readonly operatorId: string; readonly reason: string }>;
/** Operations let a held or back-ordered order go on now. */
export type ReleaseOrder = SagaCommand<'ReleaseOrder', { readonly operatorId: string; readonly note: string | null }>;
/** Operations ask for a new plan for every line not yet instructed, optionally avoiding some locations. */
export type RerouteOrder = SagaCommand<'RerouteOrder', {
  readonly operatorId: string;
  readonly reason: string;
  readonly excludeLocationIds: readonly string[];
}>;
/** The service's durable timer fired. */
export type TimerElapsed = SagaCommand<'TimerElapsed', { readonly timerId: string }>;

/** Contract events the saga reacts to: the order's start, participants' replies, stock signals, cancel requests. */
export type ReceivedEventType =
  | 'OrderAccepted' | 'OrderRejected'
  | 'OrderRouted' | 'OrderUnroutable'
  | 'StockReserved' | 'StockReservationFailed' | 'ReservationReleased' | 'StockLevelChanged'
  | 'CarrierSelected' | 'CarrierSelectionFailed'
  | 'FulfilmentAccepted' | 'FulfilmentRejected' | 'ShipmentDispatched' | 'FulfilmentCancelled'
  | 'CancelOrder';

export type OperatorCommand = HoldOrder | ReleaseOrder | RerouteOrder;

/** Everything `decide` accepts. */
export type SagaInput = { [T in ReceivedEventType]: T extends 'OrderAccepted' ? OrderStart : Received<T> }[ReceivedEventType] | OperatorCommand | TimerElapsed;

/** The id the saga deduplicates an input on. */
export const inputId = (input: SagaInput): string => input.payload.metadata.eventId;

/** The order an input is about; null for stock signals, which name a SKU at a location instead. */
export const inputOrderId = (input: SagaInput): string | null => ('orderId' in input.payload ? input.payload.orderId : null);
