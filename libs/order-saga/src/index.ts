// The order saga as a pure decider: decide(input, state) → events, evolve(state, event) → state. No I/O, no clock.
export { decide } from './decide';
export { isRejection, type Rejection, type RejectionCode } from './decision';
export { evolve, replay, HANDLED_INPUTS_KEPT } from './evolve';
export { outgoingMessages, isOutgoing, type OutgoingMessage } from './messages';
export { defaultSagaPolicy, type SagaPolicy } from './policy';
export { derivedEventId } from './ids';
export { planUptake, unplacedLines, type PlanUptake } from './plan';
export { inputId, inputOrderId } from './inputs';
export type {
  HoldOrder, OperatorCommand, OrderStart, Received, ReceivedEventType, ReleaseOrder, RerouteOrder, SagaCommand, SagaInput, TimerElapsed,
} from './inputs';
export { eventRoles, handledInputOf } from './events';
export type {
  CommandEventType, EventRole, FulfilmentCancellationRequested, HoldRecorded, LinesCancelled, RecordedEventType, RerouteRecorded,
  SagaEvent, SagaEventOf, SagaEventType, StatusEventType, TimerCancelled, TimerFired, TimerPurpose, TimerScheduled,
} from './events';
export { awaitedStock, initialState, isTerminal, hasProgress, inFlight, statusLabel, waitsForOperator } from './state';
export type {
  AcceptedOrder, Accepted, ActiveState, Attention, BackOrdered, Cancelled, Compensation, Completed, Empty, Instructed, LiveTimer,
  NeedsAttention, OnHold, OperatorHold, OrderProgress, PartiallyDispatched, Rejected, Reserving, Routing, SagaState, SagaStatus,
  SelectingCarrier, ShipmentStage, Step, TrackedShipment, AbandonedReservation,
} from './state';
