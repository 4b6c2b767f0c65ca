import { Decision, isRejection, type Rejection, type RejectionCode } from './decision';
import type { SagaEvent } from './events';
import { inputId, inputOrderId, type HoldOrder, type ReleaseOrder, type Received, type RerouteOrder, type SagaInput, type TimerElapsed } from './inputs';
import { addLines, intersectLines, subtractLines } from './lines';
import { planUptake, unplacedLines } from './plan';
import { defaultSagaPolicy, type SagaPolicy } from './policy';
import {
  escalate, instruct, placeUnavailable, proceed, releaseHeld, rerouteOrEscalate, restartStep, routeLines, selectCarrier,
} from './steps';
import { awaitedStock, hasProgress, inFlight, statusLabel, type ActiveState, type LiveTimer, type SagaState } from './state';

/**
 * What the saga does about one input: the events to append to the order's stream (possibly none),
 * or a rejection when an operator or channel asks for something the order's state does not allow.
 */
export function decide(input: SagaInput, state: SagaState, policy: SagaPolicy = defaultSagaPolicy): SagaEvent[] | Rejection {
  if (state.handledInputIds.includes(inputId(input))) return [];
  const orderId = inputOrderId(input);
  if (hasProgress(state) && orderId !== null && orderId !== state.orderId) return [];
  const d = new Decision(input, state, policy);
  const rejection = handle(d, input);
  return rejection ?? d.events;
}

function handle(d: Decision, input: SagaInput): Rejection | undefined {
  const state = d.state;
  switch (input.type) {
    case 'OrderAccepted':
      if (state.status === 'Empty') {
        d.record();
        // A cancel that came first is decided next: routing is not asked about an order about to be cancelled.
        if (!input.cancelWaiting) proceed(d);
      }
      return;
    case 'OrderRejected':
      if (state.status === 'Empty') d.record();
      return;
    case 'CancelOrder':
      return cancel(d, input);
    case 'HoldOrder':
      return hold(d, input);
    case 'ReleaseOrder':
      return release(d, input);
    case 'RerouteOrder':
      return reroute(d, input);
  }
  if (!hasProgress(state)) return;
  switch (input.type) {
    case 'OrderRouted': routed(d, input); return;
    case 'OrderUnroutable': unroutable(d, input); return;
    case 'StockReserved': stockReserved(d, input); return;
    case 'StockReservationFailed': reservationFailed(d, input); return;
    case 'ReservationReleased': return; // Releases are fire-and-forget through the outbox; inventory's reply changes nothing here.
    case 'StockLevelChanged': stockArrived(d, input); return;
    case 'CarrierSelected': carrierSelected(d, input); return;
    case 'CarrierSelectionFailed': carrierFailed(d, input); return;
    case 'FulfilmentAccepted': fulfilmentAccepted(d, input); return;
    case 'FulfilmentRejected': fulfilmentRejected(d, input); return;
    case 'ShipmentDispatched': dispatched(d, input); return;
    case 'FulfilmentCancelled': fulfilmentCancelled(d, input); return;
    case 'TimerElapsed': timerElapsed(d, input); return;
  }
}

const stepTimer = (t: LiveTimer) => t.purpose === 'ROUTING_REPLY' || t.purpose === 'RESERVATION_REPLY' || t.purpose === 'CARRIER_REPLY' || t.purpose === 'CARRIER_RETRY';
const shipmentTimer = (shipmentId: string) => (t: LiveTimer) => t.shipmentId === shipmentId;
const describe = (lines: readonly { sku: string; quantity: number; lineId: string }[]) => lines.map((l) => `${l.quantity} × ${l.sku} (line ${l.lineId})`).join(', ');

// ── Replies from routing ────────────────────────────────────────────────────────────────────────

function routed(d: Decision, input: Received<'OrderRouted'>): void {
  const p = d.progress;
  if (p.step?.kind !== 'Routing' || p.step.attempt !== input.payload.attempt) return;
  const { unplaced } = planUptake(p, input.payload);
  d.record();
  d.cancelTimers((t) => t.purpose === 'ROUTING_REPLY');
  placeUnavailable(d, unplaced);
  proceed(d);
}

const WAITING_HELPS = new Set(['NO_STOCK', 'CAPACITY_EXHAUSTED', 'PAST_CUTOFF']);

function unroutable(d: Decision, input: Received<'OrderUnroutable'>): void {
  const p = d.progress;
  if (p.step?.kind !== 'Routing' || p.step.attempt !== input.payload.attempt) return;
  const requested = p.step.lines;
  d.record();
  d.cancelTimers((t) => t.purpose === 'ROUTING_REPLY');
  placeUnavailable(d, requested);
  if (!WAITING_HELPS.has(input.payload.reason) && p.order.backOrderPolicy !== 'CANCEL_UNAVAILABLE') {
    escalate(d, 'UNROUTABLE', null, input.payload.attempt,
      `routing found no plan (${input.payload.reason}: ${input.payload.summary}, decision ${input.payload.decisionId}); waiting for stock will not fix this. ` +
      'Check the destination and the network, then re-route or cancel.');
  }
  proceed(d);
}

// ── Replies from inventory ─────────────────────────────────────────────────────────────────────

function stockReserved(d: Decision, input: Received<'StockReserved'>): void {
  const { reservationId, items } = input.payload;
  const pending = d.progress.shipments.some((s) => s.stage === 'Reserving' && s.reservationId === reservationId);
  const abandoned = d.progress.abandonedReservations.find((a) => a.reservationId === reservationId);
  if (!pending && !abandoned) return;
  d.record();
  if (abandoned) {
    d.emit('ReleaseStock', { reservationId, items, reason: abandoned.releaseReason });
    return;
  }
  if (d.progress.step?.kind === 'Reserving') return;
  d.cancelTimers((t) => t.purpose === 'RESERVATION_REPLY');
  rerouteOrEscalate(d, 'inventory could not hold stock at some location');
}

function reservationFailed(d: Decision, input: Received<'StockReservationFailed'>): void {
  const { reservationId } = input.payload;
  const pending = d.progress.shipments.some((s) => s.stage === 'Reserving' && s.reservationId === reservationId);
  const abandoned = d.progress.abandonedReservations.some((a) => a.reservationId === reservationId);
  if (!pending && !abandoned) return;
  d.record();
  if (!pending || d.progress.step?.kind === 'Reserving') return;
  d.cancelTimers((t) => t.purpose === 'RESERVATION_REPLY');
  const short = input.payload.shortItems.map((i) => `${i.sku} at ${i.locationId} (${i.available} of ${i.requested})`).join(', ');
  rerouteOrEscalate(d, `reservation race lost: ${short || input.payload.reason}`);
}

/**
 * Stock of a short SKU arrived: try again now instead of at the next review — but only when it can help. Held lines
 * routing could place (HOLD and SPLIT hold them with the short ones) are not waiting for stock; a location the order
 * excludes will not be used; and fewer units than a short line lacks will not place it (one signal speaks for one
 * location, so units that only add up across locations wait for the review). Otherwise every stock movement of any
 * held SKU would release the order, route it, and hold it again.
 */
function stockArrived(d: Decision, input: Received<'StockLevelChanged'>): void {
  const p = d.progress;
  const { sku, locationId, available } = input.payload;
  if (p.outcome || p.hold || p.step || p.excludedLocationIds.includes(locationId)) return;
  if (!awaitedStock(p).some((line) => line.sku === sku && line.quantity <= available)) return;
  d.cancelTimers((t) => t.purpose === 'BACK_ORDER_REVIEW');
  d.emit('OrderReleased', { releasedBy: null, note: `${available} × ${sku} available to promise at ${locationId}` });
  proceed(d);
}

// ── Replies from carrier ───────────────────────────────────────────────────────────────────────

function carrierSelected(d: Decision, input: Received<'CarrierSelected'>): void {
  const step = d.progress.step;
  if (step?.kind !== 'SelectingCarrier') return;
  const selections = input.payload.selections.filter((s) => step.shipmentIds.includes(s.shipmentId));
  if (selections.length === 0) return;
  d.record();
  d.cancelTimers((t) => t.purpose === 'CARRIER_REPLY' || t.purpose === 'CARRIER_RETRY');
  if (d.progress.hold) return; // A hold keeps instructions back; the release asks carrier again.
  for (const selection of selections) {
    const shipment = d.progress.shipments.find((s) => s.shipmentId === selection.shipmentId && s.stage === 'Reserved');
    if (shipment) instruct(d, shipment, selection);
  }
  if (d.progress.step?.kind === 'SelectingCarrier') {
    retryCarrierOrEscalate(d, `carrier chose no service for shipment(s) ${d.progress.step.shipmentIds.join(', ')}`);
    return;
  }
  proceed(d);
}

function carrierFailed(d: Decision, input: Received<'CarrierSelectionFailed'>): void {
  if (d.progress.step?.kind !== 'SelectingCarrier') return;
  d.record();
  d.cancelTimers((t) => t.purpose === 'CARRIER_REPLY');
  retryCarrierOrEscalate(d, `carrier selection failed (${input.payload.reason}: ${input.payload.detail})`);
}

function retryCarrierOrEscalate(d: Decision, cause: string): void {
  const step = d.progress.step;
  if (step?.kind !== 'SelectingCarrier' || d.progress.hold) return;
  if (step.tries >= d.policy.maxTries.carrierSelection) {
    escalate(d, 'RETRIES_EXHAUSTED', 'CarrierSelected', step.tries,
      `${cause}, after ${step.tries} tries. Stock stays reserved; check the carrier services for the destination, then release to retry, re-route or cancel.`);
    return;
  }
  d.scheduleTimer('CARRIER_RETRY', d.now + d.policy.carrierRetryDelayMs);
}

// ── Replies from locations ─────────────────────────────────────────────────────────────────────

function fulfilmentAccepted(d: Decision, input: Received<'FulfilmentAccepted'>): void {
  const { fulfilmentId, expectedDispatchAt } = input.payload;
  if (!d.progress.shipments.some((s) => s.shipmentId === fulfilmentId && s.stage === 'Instructed')) return;
  d.record();
  d.cancelTimers(shipmentTimer(fulfilmentId));
  if (d.progress.outcome) return;
  const dueAt = expectedDispatchAt === null ? d.now + d.policy.replyDeadlineMs.dispatch : Math.max(expectedDispatchAt, d.now) + d.policy.dispatchGraceMs;
  d.scheduleTimer('DISPATCH', dueAt, fulfilmentId);
}

function fulfilmentRejected(d: Decision, input: Received<'FulfilmentRejected'>): void {
  const { fulfilmentId, rejectedLines, reason, locationId } = input.payload;
  const shipment = d.progress.shipments.find((s) => s.shipmentId === fulfilmentId && inFlight(s));
  if (!shipment) return;
  const refused = intersectLines(shipment.lines, rejectedLines);
  d.record();
  releaseHeld(d, shipment, refused, 'FULFILMENT_REJECTED');
  if (!d.progress.shipments.some((s) => s.shipmentId === fulfilmentId)) d.cancelTimers(shipmentTimer(fulfilmentId));
  if (d.progress.outcome || d.progress.step) return;
  rerouteOrEscalate(d, `${locationId} rejected ${describe(refused)} of fulfilment ${fulfilmentId} (${reason})`);
}

function dispatched(d: Decision, input: Received<'ShipmentDispatched'>): void {
  const { fulfilmentId, locationId, trackingNumber, lines } = input.payload;
  const shipment = d.progress.shipments.find((s) => s.shipmentId === fulfilmentId && inFlight(s));
  if (!shipment) return;
  d.record();
  d.cancelTimers(shipmentTimer(fulfilmentId));
  if (d.progress.outcome === 'Cancelled') {
    escalate(d, 'COMPENSATION_FAILED', null, 1,
      `fulfilment ${fulfilmentId} left ${locationId} (tracking ${trackingNumber}) after the order was cancelled, and its stock was already released. ` +
      `Correct the stock at ${locationId} and arrange a return with the carrier.`);
    return;
  }
  const short = subtractLines(shipment.lines, lines);
  if (short.length > 0) releaseHeld(d, shipment, short, 'FULFILMENT_REJECTED');
  if (d.progress.step) return;
  if (short.length > 0) rerouteOrEscalate(d, `${locationId} short-picked ${describe(short)} of fulfilment ${fulfilmentId}`);
  else proceed(d);
}

/**
 * The location will not ship: the answer to our cancellation request, or (order still live) its own withdrawal,
 * which refuses the whole shipment like a FulfilmentRejected.
 */
function fulfilmentCancelled(d: Decision, input: Received<'FulfilmentCancelled'>): void {
  const { fulfilmentId, locationId } = input.payload;
  const shipment = d.progress.shipments.find((s) => s.shipmentId === fulfilmentId && inFlight(s));
  if (!shipment || d.progress.outcome === 'Completed') return;
  d.record();
  d.cancelTimers(shipmentTimer(fulfilmentId));
  if (d.progress.outcome === 'Cancelled') return;
  releaseHeld(d, shipment, shipment.lines, 'FULFILMENT_REJECTED');
  if (d.progress.step) return;
  rerouteOrEscalate(d, `${locationId} withdrew fulfilment ${fulfilmentId} (${describe(shipment.lines)}) on its own`);
}

/** The order-level requests a deadline retries: the step waiting, what was sent, who answers, and with what. */
const awaitedReplies = {
  ROUTING_REPLY: { step: 'Routing', sent: 'RouteOrder', service: 'routing', awaiting: 'OrderRouted', policy: 'routing' },
  RESERVATION_REPLY: { step: 'Reserving', sent: 'ReserveStock', service: 'inventory', awaiting: 'StockReserved', policy: 'reservation' },
  CARRIER_REPLY: { step: 'SelectingCarrier', sent: 'SelectCarrier', service: 'carrier', awaiting: 'CarrierSelected', policy: 'carrierSelection' },
} as const;

// ── Timers ─────────────────────────────────────────────────────────────────────────────────────

function timerElapsed(d: Decision, input: TimerElapsed): void {
  const timer = d.progress.timers.find((t) => t.timerId === input.payload.timerId);
  if (!timer) return; // Cancelled or already fired: a stale timer does nothing.
  d.record();
  const p = d.progress;
  const step = p.step;
  const waited = (ms: number) => `${Math.round(ms / 1000)} s`;
  switch (timer.purpose) {
    case 'ROUTING_REPLY':
    case 'RESERVATION_REPLY':
    case 'CARRIER_REPLY': {
      const request = awaitedReplies[timer.purpose];
      if (step?.kind !== request.step) return;
      if (step.tries >= d.policy.maxTries[request.policy]) {
        escalate(d, 'DEADLINE_MISSED', request.awaiting, step.tries,
          `${request.service} did not answer ${request.sent} within ${waited(d.policy.replyDeadlineMs[request.policy])}, ${step.tries} times; ` +
          `check the ${request.service} service, then release to retry.`);
      } else restartStep(d);
      return;
    }
    case 'CARRIER_RETRY':
      if (step?.kind === 'SelectingCarrier') selectCarrier(d, step.shipmentIds);
      return;
    case 'FULFILMENT_ACCEPTANCE': {
      const shipment = p.shipments.find((s) => s.shipmentId === timer.shipmentId && s.stage === 'Instructed');
      if (shipment) {
        escalate(d, 'DEADLINE_MISSED', 'FulfilmentAccepted', 1,
          `${shipment.locationId} has not accepted fulfilment ${shipment.shipmentId} within ${waited(d.policy.replyDeadlineMs.fulfilmentAcceptance)}; ` +
          'call the location, or cancel the order. The instruction is not sent twice.');
        // Keep a deadline running: a reply clears the escalation, and the shipment must not then wait unwatched.
        d.scheduleTimer('FULFILMENT_ACCEPTANCE', d.now + d.policy.replyDeadlineMs.fulfilmentAcceptance, shipment.shipmentId);
      }
      return;
    }
    case 'DISPATCH': {
      const shipment = p.shipments.find((s) => s.shipmentId === timer.shipmentId && s.stage === 'Accepted');
      if (shipment) {
        escalate(d, 'DEADLINE_MISSED', 'ShipmentDispatched', 1,
          `${shipment.locationId} accepted fulfilment ${shipment.shipmentId} but has not dispatched it by its deadline; call the location.`);
        d.scheduleTimer('DISPATCH', d.now + d.policy.replyDeadlineMs.dispatch, shipment.shipmentId);
      }
      return;
    }
    case 'FULFILMENT_CANCELLATION': {
      const shipment = p.shipments.find((s) => s.shipmentId === timer.shipmentId && inFlight(s));
      if (shipment) {
        escalate(d, 'DEADLINE_MISSED', 'FulfilmentCancelled', 1,
          `${shipment.locationId} has not confirmed within ${waited(d.policy.replyDeadlineMs.fulfilmentCancellation)} that it withdrew fulfilment ` +
          `${shipment.shipmentId} of this cancelled order; call the location so it does not ship (its stock was already released).`);
      }
      return;
    }
    case 'BACK_ORDER_REVIEW':
      if (p.heldLines.length === 0) return;
      if (p.hold || p.step) {
        d.scheduleTimer('BACK_ORDER_REVIEW', d.now + d.policy.backOrderReviewMs);
        return;
      }
      d.emit('OrderReleased', { releasedBy: null, note: `back-order review: routing ${describe(p.heldLines)} again` });
      proceed(d);
      return;
  }
}

// ── Channel and operations requests ─────────────────────────────────────────────────────────────

function refuse(code: RejectionCode, rejected: string): Rejection {
  return { code, rejected };
}

/** The rejection for a request about an order that is not (or no longer) in progress. */
function notInProgress(state: SagaState, orderId: string, asked: string): Rejection | null {
  switch (state.status) {
    case 'Empty':
      return refuse('UNKNOWN_ORDER', `Order ${orderId} is not known to the orchestrator (no OrderAccepted yet), so it cannot ${asked}. Retry once intake has accepted it.`);
    case 'Rejected':
      return refuse('ORDER_REJECTED', `Order ${orderId} was rejected by intake, so there is nothing to ${asked}.`);
    case 'Completed': {
      const left = state.shipments.filter((s) => s.stage === 'Dispatched').map((s) => `${s.shipmentId} from ${s.locationId}`).join(', ');
      return refuse('ALREADY_COMPLETED', `Order ${orderId} is COMPLETED: every shipment has been dispatched (${left}), so it can no longer ${asked}. Arrange a return instead.`);
    }
    case 'Cancelled':
      return refuse('ALREADY_CANCELLED', `Order ${orderId} is already CANCELLED, so it cannot ${asked}.`);
    default:
      return null;
  }
}

/** The order a request is about, or why the request cannot apply to it. */
function requestable(d: Decision, orderId: string, asked: string): ActiveState | Rejection {
  return notInProgress(d.state, orderId, asked) ?? d.progress;
}

/** Lines not yet at a location: what a hold or a re-route can still change. */
function notYetInstructed(p: ActiveState) {
  const atLocations = addLines(...p.shipments.filter((s) => inFlight(s) || s.stage === 'Dispatched').map((s) => s.lines));
  return subtractLines(p.order.lines, addLines(atLocations, p.cancelledLines));
}

function atLocationsOnly(p: ActiveState, orderId: string, code: RejectionCode, asked: string): Rejection {
  const where = [...new Set(p.shipments.filter(inFlight).map((s) => s.locationId))].join(', ');
  return refuse(code,
    `Order ${orderId} is ${statusLabel(p.status)}: every remaining line is already instructed at ${where || 'its locations'} or dispatched, so it cannot ${asked}. ` +
    'Cancel the order if it must not ship.');
}

function cancel(d: Decision, input: Received<'CancelOrder'>): Rejection | undefined {
  const { orderId, requestedBy, reason, note } = input.payload;
  const state = requestable(d, orderId, 'be cancelled');
  if (isRejection(state)) return state;
  d.cancelTimers(() => true);
  const withdrawn: string[] = [];
  for (const undo of [...state.compensations].reverse()) {
    if (undo.undo === 'CancelInstruction') {
      d.emit('FulfilmentCancellationRequested', { fulfilmentId: undo.fulfilmentId, locationId: undo.locationId, reason: note ? `${reason}: ${note}` : reason });
      withdrawn.push(undo.fulfilmentId);
    } else d.emit('ReleaseStock', { reservationId: undo.reservationId, items: [...undo.items], reason: 'ORDER_CANCELLED' });
  }
  const left = state.shipments.filter((s) => s.stage === 'Dispatched');
  const shipped = addLines(...left.map((s) => s.lines));
  const alreadyLeft = left.length > 0 ? `; already dispatched and not affected: ${left.map((s) => s.shipmentId).join(', ')}` : '';
  d.emit('OrderCancelled', {
    reason, cancelledLines: subtractLines(state.order.lines, shipped),
    detail: `Cancelled by ${requestedBy}${note ? `: ${note}` : ''}${alreadyLeft}`,
  });
  // Each withdrawn instruction awaits the location's FulfilmentCancelled like any other reply.
  for (const fulfilmentId of withdrawn) d.scheduleTimer('FULFILMENT_CANCELLATION', d.now + d.policy.replyDeadlineMs.fulfilmentCancellation, fulfilmentId);
  return undefined;
}

function hold(d: Decision, input: HoldOrder): Rejection | undefined {
  const { orderId, operatorId } = input.payload;
  const state = requestable(d, orderId, 'be held');
  if (isRejection(state)) return state;
  if (state.hold) {
    return refuse('ALREADY_ON_HOLD', `Order ${orderId} is already ON_HOLD (held by ${state.hold.operatorId}: ${state.hold.reason}). Release it or cancel it.`);
  }
  const stoppable = notYetInstructed(state);
  if (stoppable.length === 0) return atLocationsOnly(state, orderId, 'NOTHING_TO_HOLD', 'be held');
  d.record();
  d.cancelTimers((t) => stepTimer(t) || t.purpose === 'BACK_ORDER_REVIEW');
  d.emit('OrderHeld', { reason: 'OPERATOR_HOLD', heldLines: stoppable, heldBy: operatorId, reviewAt: null });
  return undefined;
}

function release(d: Decision, input: ReleaseOrder): Rejection | undefined {
  const { orderId, operatorId, note } = input.payload;
  const state = requestable(d, orderId, 'be released');
  if (isRejection(state)) return state;
  if (!state.hold && state.heldLines.length === 0 && !state.attention) {
    return refuse('NOT_HELD', `Order ${orderId} is ${statusLabel(state.status)}: it is neither held, back-ordered nor waiting for operations, so there is nothing to release.`);
  }
  d.cancelTimers((t) => t.purpose === 'BACK_ORDER_REVIEW');
  d.emit('OrderReleased', { releasedBy: operatorId, note });
  if (d.progress.step) restartStep(d);
  else proceed(d);
  return undefined;
}

function reroute(d: Decision, input: RerouteOrder): Rejection | undefined {
  const { orderId, operatorId, reason } = input.payload;
  const state = requestable(d, orderId, 'be re-routed');
  if (isRejection(state)) return state;
  if (notYetInstructed(state).length === 0) return atLocationsOnly(state, orderId, 'NOTHING_TO_REROUTE', 'be re-routed');
  const wasHeld = state.hold !== null || state.heldLines.length > 0;
  d.record();
  d.cancelTimers((t) => stepTimer(t) || t.purpose === 'BACK_ORDER_REVIEW');
  // Stock held for shipments the re-route dropped goes back before the new plan asks for more.
  for (const undo of [...d.progress.compensations].reverse()) {
    if (undo.undo !== 'ReleaseStock' || d.progress.shipments.some((s) => s.shipmentId === undo.shipmentId)) continue;
    d.emit('ReleaseStock', { reservationId: undo.reservationId, items: [...undo.items], reason: 'REROUTED' });
  }
  if (wasHeld) d.emit('OrderReleased', { releasedBy: operatorId, note: `re-routed: ${reason}` });
  const unplaced = unplacedLines(d.progress);
  if (unplaced.length > 0) routeLines(d, d.progress.routingAttempt + 1, unplaced, d.progress.excludedLocationIds);
  return undefined;
}
