import type { AttentionProblem, CarrierSelection, LineQuantity, OrderLine, ReleaseReason } from '@switchyard/contracts';
import type { Decision } from './decision';
import { addLines, asReservationItems, intersectLines, totalUnits } from './lines';
import { lineValue } from './money';
import { unplacedLines } from './plan';
import { inFlight, statusLabel, waitsForOperator, type OrderProgress, type TrackedShipment } from './state';

// The saga's moves: each sends one request and starts its deadline, or publishes what happened.

/** Order lines with the quantities still to place, as RouteOrder carries them. */
function orderLinesFor(progress: OrderProgress, lines: readonly LineQuantity[]): OrderLine[] {
  return addLines(lines).flatMap((line) => {
    const ordered = progress.order.lines.find((l) => l.lineId === line.lineId);
    return ordered ? [{ ...ordered, quantity: line.quantity }] : [];
  });
}

export function routeLines(d: Decision, attempt: number, lines: readonly LineQuantity[], excludedLocationIds: readonly string[]): void {
  const { order } = d.progress;
  d.emit('RouteOrder', {
    attempt, channel: order.channel, market: order.market, customerTier: order.customer.tier, customerPriority: order.customer.priority,
    destination: order.destination, serviceLevel: order.serviceLevel, promisedDate: order.promisedDate, backOrderPolicy: order.backOrderPolicy,
    lines: orderLinesFor(d.progress, lines), excludedLocationIds: [...excludedLocationIds],
  });
  d.scheduleTimer('ROUTING_REPLY', d.now + d.policy.replyDeadlineMs.routing);
}

/** Asks inventory to hold each planned shipment's stock (one reservation per shipment, so each can be undone alone). */
export function reservePlanned(d: Decision): void {
  for (const shipment of d.progress.shipments.filter((s) => s.stage === 'Planned')) {
    const reservationId = `${d.progress.orderId}/reservation/${d.progress.issued.reservations + 1}`;
    d.emit('ReserveStock', { reservationId, items: asReservationItems(shipment.lines, shipment.locationId) });
  }
  d.scheduleTimer('RESERVATION_REPLY', d.now + d.policy.replyDeadlineMs.reservation);
}

/** Sends the same reservations again: inventory holds each reservation id at most once. */
export function resendReservations(d: Decision): void {
  for (const shipment of d.progress.shipments) {
    if (shipment.stage !== 'Reserving') continue;
    d.emit('ReserveStock', { reservationId: shipment.reservationId, items: asReservationItems(shipment.lines, shipment.locationId) });
  }
  d.scheduleTimer('RESERVATION_REPLY', d.now + d.policy.replyDeadlineMs.reservation);
}

export function selectCarrier(d: Decision, shipmentIds: readonly string[]): void {
  const { order } = d.progress;
  // Intake accepts single-currency orders, so the first line's currency is the order's.
  const currency = order.lines[0]?.unitPrice.currency ?? 'EUR';
  const shipments = d.progress.shipments.filter((s) => shipmentIds.includes(s.shipmentId)).map((shipment) => {
    const priced = orderLinesFor(d.progress, shipment.lines);
    return {
      shipmentId: shipment.shipmentId,
      locationId: shipment.locationId,
      weightGrams: priced.reduce((grams, line) => grams + (line.unitWeightGrams ?? 0) * line.quantity, 0),
      declaredValue: lineValue(priced, currency),
    };
  });
  d.emit('SelectCarrier', { destination: order.destination, serviceLevel: order.serviceLevel, promisedDate: order.promisedDate, shipments });
  d.scheduleTimer('CARRIER_REPLY', d.now + d.policy.replyDeadlineMs.carrierSelection);
}

/** Tells the location to pick, pack and ship, and starts waiting for its acceptance. */
export function instruct(d: Decision, shipment: TrackedShipment, selection: CarrierSelection): void {
  const { order } = d.progress;
  d.emit('FulfilmentInstructed', {
    fulfilmentId: shipment.shipmentId, locationId: shipment.locationId, channel: order.channel, channelOrderId: order.channelOrderId,
    shipTo: order.destination, serviceLevel: order.serviceLevel, carrier: selection.carrier, priority: order.customer.priority,
    shipBy: null, lines: addLines(shipment.lines),
  });
  d.scheduleTimer('FULFILMENT_ACCEPTANCE', d.now + d.policy.replyDeadlineMs.fulfilmentAcceptance, shipment.shipmentId);
}

/** Gives back the units of `lines` still held under the shipment's reservation. */
export function releaseHeld(d: Decision, shipment: TrackedShipment, lines: readonly LineQuantity[], reason: ReleaseReason): void {
  if (shipment.stage === 'Planned') return;
  const undo = d.progress.compensations.find((c) => c.undo === 'ReleaseStock' && c.reservationId === shipment.reservationId);
  if (!undo || undo.undo !== 'ReleaseStock') return;
  const held = intersectLines(lines, undo.items);
  if (totalUnits(held) === 0) return;
  d.emit('ReleaseStock', { reservationId: undo.reservationId, items: asReservationItems(held, shipment.locationId), reason });
}

export function escalate(d: Decision, problem: AttentionProblem, awaiting: string | null, attempts: number, detail: string): void {
  d.emit('OrderNeedsAttention', { sagaState: statusLabel(d.initial.status), problem, awaiting, attempts, detail: `Order ${d.progress.orderId}: ${detail}` });
}

/** Lines no location can supply now go by the order's back-order policy: wait for stock, or cancel them. */
export function placeUnavailable(d: Decision, lines: readonly LineQuantity[]): void {
  if (lines.length === 0) return;
  if (d.progress.order.backOrderPolicy === 'CANCEL_UNAVAILABLE') {
    d.emit('LinesCancelled', { lines: addLines(lines), reason: 'OUT_OF_STOCK' });
    return;
  }
  d.cancelTimers((t) => t.purpose === 'BACK_ORDER_REVIEW');
  const reviewAt = d.now + d.policy.backOrderReviewMs;
  d.emit('OrderHeld', { reason: 'AWAITING_STOCK', heldLines: addLines(d.progress.heldLines, lines), heldBy: null, reviewAt });
  d.scheduleTimer('BACK_ORDER_REVIEW', reviewAt);
}

/** The automatic re-route budget is spent: an operator decides. Otherwise carry on. */
export function rerouteOrEscalate(d: Decision, cause: string): void {
  const { automaticReroutes } = d.progress;
  if (automaticReroutes > d.policy.maxAutomaticReroutes) {
    const lines = unplacedLines(d.progress).map((l) => `${l.quantity} × ${l.sku} (line ${l.lineId})`).join(', ');
    escalate(d, 'RETRIES_EXHAUSTED', null, automaticReroutes,
      `${cause}; ${automaticReroutes} automatic re-routes used (limit ${d.policy.maxAutomaticReroutes}). ` +
      `Still to place: ${lines || 'nothing'}. Re-route with other locations excluded, release to try again, or cancel.`);
    return;
  }
  proceed(d);
}

/** After any step ends: start the next one, or finish the order when nothing is left. One order-level step at a time. */
export function proceed(d: Decision): void {
  const p = d.progress;
  if (p.outcome || p.hold || p.step) return;
  const planned = p.shipments.filter((s) => s.stage === 'Planned');
  const unplaced = unplacedLines(p);
  const reserved = p.shipments.filter((s) => s.stage === 'Reserved');
  if (planned.length + unplaced.length + reserved.length + p.heldLines.length === 0 && !p.shipments.some(inFlight)) {
    finish(d);
    return;
  }
  if (waitsForOperator(p.attention)) return;
  if (planned.length > 0) return reservePlanned(d);
  if (unplaced.length > 0) return routeLines(d, p.routingAttempt + 1, unplaced, p.excludedLocationIds);
  const shipsWhole = p.order.backOrderPolicy === 'HOLD' || p.order.backOrderPolicy === 'SPLIT';
  // HOLD and SPLIT keep reserved stock but ship nothing while any line waits.
  if (reserved.length > 0 && !(shipsWhole && p.heldLines.length > 0)) selectCarrier(d, reserved.map((s) => s.shipmentId));
}

function finish(d: Decision): void {
  const p = d.progress;
  d.cancelTimers(() => true);
  const left = p.shipments.filter((s) => s.stage === 'Dispatched');
  if (left.length === 0) {
    d.emit('OrderCancelled', {
      reason: 'OUT_OF_STOCK', cancelledLines: addLines(p.cancelledLines),
      detail: 'No location can supply any line, and the back-order policy CANCEL_UNAVAILABLE cancels unavailable lines.',
    });
    return;
  }
  d.emit('OrderCompleted', {
    shipments: left.flatMap((s) => (s.stage === 'Dispatched'
      ? [{ fulfilmentId: s.shipmentId, locationId: s.locationId, carrier: s.carrier, trackingNumber: s.trackingNumber, lines: addLines(s.lines) }]
      : [])),
    cancelledLines: addLines(p.cancelledLines),
  });
}

/** Sends the request of the step in flight again and restarts its deadline (after an operator release). */
export function restartStep(d: Decision): void {
  const step = d.progress.step;
  if (step?.kind === 'Routing') routeLines(d, step.attempt, step.lines, step.excludedLocationIds);
  if (step?.kind === 'Reserving') resendReservations(d);
  if (step?.kind === 'SelectingCarrier') selectCarrier(d, step.shipmentIds);
}
