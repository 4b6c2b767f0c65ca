import type { EventPayload, LineQuantity, ReservationItem } from '@switchyard/contracts';
import { handledInputOf, type SagaEvent, type SagaEventOf } from './events';
import { addLines, asReservationItems, intersectLines, subtractLines, totalUnits } from './lines';
import { planUptake } from './plan';
import {
  hasProgress, withStatus,
  type AbandonedReservation, type Compensation, type OrderProgress, type SagaState, type TrackedShipment,
} from './state';

/** How many handled input ids the state keeps; the service's inbox is the first line of defence. */
export const HANDLED_INPUTS_KEPT = 256;

/** The state after one event of the order's stream. */
export function evolve(state: SagaState, event: SagaEvent): SagaState {
  const handledInputIds = remember(state.handledInputIds, handledInputOf(event));
  if (state.status === 'Empty') {
    if (event.type === 'OrderAccepted') return withStatus(startProgress(event.payload, handledInputIds));
    if (event.type === 'OrderRejected') return { status: 'Rejected', orderId: event.payload.orderId, handledInputIds };
    return { ...state, handledInputIds };
  }
  if (!hasProgress(state)) return { ...state, handledInputIds };
  return withStatus({ ...apply(state, event), handledInputIds });
}

/** Folds an order's stream from the beginning. */
export const replay = (events: readonly SagaEvent[], from: SagaState = { status: 'Empty', handledInputIds: [] }): SagaState =>
  events.reduce(evolve, from);

function remember(ids: readonly string[], id: string | null): readonly string[] {
  if (id === null || ids.includes(id)) return ids;
  return [...ids, id].slice(-HANDLED_INPUTS_KEPT);
}

function startProgress(accepted: EventPayload<'OrderAccepted'>, handledInputIds: readonly string[]): OrderProgress {
  const { metadata: _metadata, ...order } = accepted;
  return {
    orderId: order.orderId, order, step: null, shipments: [], heldLines: [], shortLines: [], cancelledLines: [], compensations: [],
    abandonedReservations: [], timers: [], attention: null, hold: null, outcome: null, routingAttempt: 0,
    automaticReroutes: 0, excludedLocationIds: [], issued: { timers: 0, reservations: 0 }, handledInputIds,
  };
}

function apply(p: OrderProgress, event: SagaEvent): OrderProgress {
  switch (event.type) {
    case 'OrderAccepted':
    case 'OrderRejected':
      return p;
    case 'CarrierSelectionFailed':
      return clearAttentionFor(p, 'CarrierSelected');
    case 'RouteOrder': {
      const { attempt, lines, excludedLocationIds } = event.payload;
      const sameRequest = p.step?.kind === 'Routing' && p.step.attempt === attempt;
      const tries = sameRequest && p.step?.kind === 'Routing' ? p.step.tries : 0;
      const requested = lines.map(({ lineId, sku, quantity }) => ({ lineId, sku, quantity }));
      return { ...p, routingAttempt: attempt, step: { kind: 'Routing', attempt, lines: requested, excludedLocationIds, tries } };
    }
    case 'OrderRouted': {
      const { shipments, short } = planUptake(p, event.payload);
      const planned: TrackedShipment[] = shipments.map(({ shipmentId, locationId, lines }) => ({ shipmentId, locationId, lines, stage: 'Planned' }));
      return { ...clearAttentionFor(p, 'OrderRouted'), step: null, shipments: [...p.shipments, ...planned], shortLines: addLines(p.shortLines, short) };
    }
    case 'OrderUnroutable':
      return { ...clearAttentionFor(p, 'OrderRouted'), step: null, shortLines: addLines(p.shortLines, unroutableShort(p, event.payload.unplaceableLines)) };
    case 'ReserveStock':
      return reserve(p, event);
    case 'StockReserved':
      return reserved(p, event);
    case 'StockReservationFailed':
      return reservationFailed(p, event);
    case 'ReleaseStock':
      return { ...p, compensations: releaseFrom(p.compensations, event.payload.reservationId, event.payload.items) };
    case 'SelectCarrier': {
      const shipmentIds = event.payload.shipments.map((s) => s.shipmentId);
      const tries = p.step?.kind === 'SelectingCarrier' ? p.step.tries : 0;
      return { ...p, step: { kind: 'SelectingCarrier', shipmentIds, tries } };
    }
    case 'CarrierSelected': {
      if (p.step?.kind !== 'SelectingCarrier') return p;
      const selected = new Set(event.payload.selections.map((s) => s.shipmentId));
      const waiting = p.step.shipmentIds.filter((id) => !selected.has(id));
      const cleared = clearAttentionFor(p, 'CarrierSelected');
      return { ...cleared, step: waiting.length === 0 ? null : { ...p.step, shipmentIds: waiting } };
    }
    case 'FulfilmentInstructed': {
      const { fulfilmentId, locationId, carrier } = event.payload;
      return {
        ...p,
        shipments: p.shipments.map((s) => (s.shipmentId === fulfilmentId && s.stage === 'Reserved' ? { ...s, stage: 'Instructed', carrier } : s)),
        compensations: [...p.compensations, { undo: 'CancelInstruction', fulfilmentId, locationId }],
      };
    }
    case 'FulfilmentAccepted':
      return {
        ...clearAttentionFor(p, 'FulfilmentAccepted'),
        shipments: p.shipments.map((s) => (s.shipmentId === event.payload.fulfilmentId && s.stage === 'Instructed' ? { ...s, stage: 'Accepted' } : s)),
      };
    case 'ShipmentDispatched':
      return dispatched(p, event);
    case 'FulfilmentRejected':
      return rejected(p, event.payload.fulfilmentId, event.payload.rejectedLines);
    case 'FulfilmentCancelled':
      return fulfilmentCancelled(p, event);
    case 'OrderHeld':
      return event.payload.reason === 'AWAITING_STOCK' ? { ...p, heldLines: addLines(event.payload.heldLines) } : p;
    case 'HoldOrder':
      return { ...p, hold: { operatorId: event.payload.operatorId, reason: event.payload.reason, since: event.payload.metadata.occurredAt } };
    case 'OrderReleased':
      return { ...p, hold: null, attention: null, heldLines: [], shortLines: [], automaticReroutes: 0, step: p.step ? { ...p.step, tries: 0 } : null };
    case 'RerouteOrder':
      return rerouteRequested(p, event);
    case 'OrderNeedsAttention':
      return { ...p, attention: { problem: event.payload.problem, awaiting: event.payload.awaiting } };
    case 'OrderCompleted':
      return { ...p, outcome: 'Completed', step: null };
    case 'OrderCancelled':
      return cancelled(p, event);
    case 'LinesCancelled':
      return { ...p, cancelledLines: addLines(p.cancelledLines, event.payload.lines), shortLines: subtractLines(p.shortLines, event.payload.lines) };
    case 'FulfilmentCancellationRequested':
      return {
        ...p,
        compensations: p.compensations.filter((c) => !(c.undo === 'CancelInstruction' && c.fulfilmentId === event.payload.fulfilmentId)),
      };
    case 'TimerScheduled':
      return scheduled(p, event);
    case 'TimerCancelled':
    case 'TimerElapsed':
      return { ...p, timers: p.timers.filter((t) => t.timerId !== event.payload.timerId) };
  }
}

/** The requested units routing says block the order; all of them when it names none it was asked about. */
function unroutableShort(p: OrderProgress, unplaceable: readonly LineQuantity[]): LineQuantity[] {
  const requested = p.step?.kind === 'Routing' ? p.step.lines : [];
  const named = intersectLines(requested, unplaceable);
  return named.length > 0 ? named : addLines(requested);
}

/** The reply operations were told the saga waits for came after all: the escalation is over. */
function clearAttentionFor(p: OrderProgress, reply: string): OrderProgress {
  return p.attention?.awaiting === reply ? { ...p, attention: null } : p;
}

function scheduled(p: OrderProgress, event: SagaEventOf<'TimerScheduled'>): OrderProgress {
  const { timerId, purpose, dueAt, shipmentId } = event.payload;
  const countsTry =
    (purpose === 'ROUTING_REPLY' && p.step?.kind === 'Routing') ||
    (purpose === 'RESERVATION_REPLY' && p.step?.kind === 'Reserving') ||
    (purpose === 'CARRIER_REPLY' && p.step?.kind === 'SelectingCarrier');
  return {
    ...p,
    timers: [...p.timers, { timerId, purpose, dueAt, shipmentId }],
    issued: { ...p.issued, timers: p.issued.timers + 1 },
    step: countsTry && p.step ? { ...p.step, tries: p.step.tries + 1 } : p.step,
  };
}

function reserve(p: OrderProgress, event: SagaEventOf<'ReserveStock'>): OrderProgress {
  const { reservationId, items } = event.payload;
  if (p.shipments.some((s) => 'reservationId' in s && s.reservationId === reservationId)) return p;
  const locationId = items[0]?.locationId;
  const target = p.shipments.find((s) => s.stage === 'Planned' && s.locationId === locationId);
  if (!target) return p;
  return {
    ...p,
    shipments: p.shipments.map((s) => (s === target ? { ...target, stage: 'Reserving', reservationId } : s)),
    issued: { ...p.issued, reservations: p.issued.reservations + 1 },
    step: p.step?.kind === 'Reserving' ? p.step : { kind: 'Reserving', tries: 0 },
  };
}

/** The reserving step ends with its last answer; only then is an escalation about it over. */
const endReservingIfDone = (p: OrderProgress): OrderProgress =>
  p.step?.kind === 'Reserving' && !p.shipments.some((s) => s.stage === 'Reserving') ? { ...clearAttentionFor(p, 'StockReserved'), step: null } : p;

function reserved(p: OrderProgress, event: SagaEventOf<'StockReserved'>): OrderProgress {
  const { reservationId, items } = event.payload;
  const target = p.shipments.find((s) => s.stage === 'Reserving' && s.reservationId === reservationId);
  const abandoned = p.abandonedReservations.find((a) => a.reservationId === reservationId);
  const shipmentId = target?.shipmentId ?? abandoned?.shipmentId;
  if (shipmentId === undefined) return p;
  const undo: Compensation = { undo: 'ReleaseStock', reservationId, shipmentId, items };
  return endReservingIfDone({
    ...p,
    shipments: p.shipments.map((s) => (s === target ? { ...target, stage: 'Reserved', reservationId } : s)),
    abandonedReservations: p.abandonedReservations.filter((a) => a !== abandoned),
    compensations: [...p.compensations, undo],
  });
}

function reservationFailed(p: OrderProgress, event: SagaEventOf<'StockReservationFailed'>): OrderProgress {
  const { reservationId } = event.payload;
  const target = p.shipments.find((s) => s.stage === 'Reserving' && s.reservationId === reservationId);
  const withoutAbandoned = { ...p, abandonedReservations: p.abandonedReservations.filter((a) => a.reservationId !== reservationId) };
  if (!target) return withoutAbandoned;
  return endReservingIfDone({
    ...withoutAbandoned,
    shipments: p.shipments.filter((s) => s !== target),
    excludedLocationIds: exclude(p.excludedLocationIds, target.locationId),
    automaticReroutes: p.automaticReroutes + 1,
  });
}

function dispatched(p: OrderProgress, event: SagaEventOf<'ShipmentDispatched'>): OrderProgress {
  const { fulfilmentId, carrier, trackingNumber, lines } = event.payload;
  const target = p.shipments.find((s) => s.shipmentId === fulfilmentId && (s.stage === 'Instructed' || s.stage === 'Accepted'));
  if (!target || target.stage === 'Planned') return p;
  const short = subtractLines(target.lines, lines).length > 0;
  const left: TrackedShipment = { ...target, stage: 'Dispatched', carrier, trackingNumber, lines: addLines(lines) };
  const consumed = asReservationItems(lines, target.locationId);
  const compensations = releaseFrom(
    p.compensations.filter((c) => !(c.undo === 'CancelInstruction' && c.fulfilmentId === fulfilmentId)),
    target.reservationId,
    consumed,
  );
  const cleared = clearAttentionFor(clearAttentionFor(p, 'ShipmentDispatched'), 'FulfilmentAccepted');
  return {
    ...cleared,
    shipments: p.shipments.map((s) => (s === target ? left : s)),
    compensations,
    excludedLocationIds: short ? exclude(p.excludedLocationIds, target.locationId) : p.excludedLocationIds,
    automaticReroutes: short ? p.automaticReroutes + 1 : p.automaticReroutes,
  };
}

function fulfilmentCancelled(p: OrderProgress, event: SagaEventOf<'FulfilmentCancelled'>): OrderProgress {
  const { fulfilmentId } = event.payload;
  const target = p.shipments.find((s) => s.shipmentId === fulfilmentId && (s.stage === 'Instructed' || s.stage === 'Accepted'));
  if (!target || (target.stage !== 'Instructed' && target.stage !== 'Accepted')) return p;
  if (p.outcome !== 'Cancelled') return rejected(p, fulfilmentId, target.lines);
  const withdrawn: TrackedShipment = { ...target, stage: 'Withdrawn' };
  return { ...clearAttentionFor(p, 'FulfilmentCancelled'), shipments: p.shipments.map((s) => (s === target ? withdrawn : s)) };
}

function rejected(p: OrderProgress, fulfilmentId: string, rejectedLines: readonly LineQuantity[]): OrderProgress {
  const target = p.shipments.find((s) => s.shipmentId === fulfilmentId && (s.stage === 'Instructed' || s.stage === 'Accepted'));
  if (!target) return p;
  const remaining = subtractLines(target.lines, rejectedLines);
  const cleared = clearAttentionFor(clearAttentionFor(p, 'ShipmentDispatched'), 'FulfilmentAccepted');
  return {
    ...cleared,
    shipments: remaining.length === 0 ? p.shipments.filter((s) => s !== target) : p.shipments.map((s) => (s === target ? { ...target, lines: remaining } : s)),
    compensations: remaining.length === 0
      ? p.compensations.filter((c) => !(c.undo === 'CancelInstruction' && c.fulfilmentId === fulfilmentId))
      : p.compensations,
    excludedLocationIds: exclude(p.excludedLocationIds, target.locationId),
    automaticReroutes: p.automaticReroutes + 1,
  };
}

function rerouteRequested(p: OrderProgress, event: SagaEventOf<'RerouteOrder'>): OrderProgress {
  const notInstructed = (s: TrackedShipment) => s.stage === 'Planned' || s.stage === 'Reserving' || s.stage === 'Reserved';
  return {
    ...p,
    step: null, hold: null, attention: null, heldLines: [], shortLines: [], automaticReroutes: 0,
    excludedLocationIds: event.payload.excludeLocationIds.reduce(exclude, p.excludedLocationIds),
    shipments: p.shipments.filter((s) => !notInstructed(s)),
    abandonedReservations: [...p.abandonedReservations, ...abandon(p.shipments, 'REROUTED')],
  };
}

function cancelled(p: OrderProgress, event: SagaEventOf<'OrderCancelled'>): OrderProgress {
  return {
    ...p,
    outcome: 'Cancelled', step: null, hold: null,
    cancelledLines: addLines(event.payload.cancelledLines),
    abandonedReservations: [...p.abandonedReservations, ...abandon(p.shipments, 'ORDER_CANCELLED')],
  };
}

/** Reservations asked for and not yet answered, given up. */
function abandon(shipments: readonly TrackedShipment[], releaseReason: AbandonedReservation['releaseReason']): AbandonedReservation[] {
  return shipments.flatMap((s) =>
    s.stage === 'Reserving'
      ? [{ reservationId: s.reservationId, shipmentId: s.shipmentId, items: asReservationItems(s.lines, s.locationId), releaseReason }]
      : [],
  );
}

/** The undo stack after some units of a reservation were released or consumed. */
function releaseFrom(compensations: readonly Compensation[], reservationId: string, items: readonly ReservationItem[]): Compensation[] {
  return compensations.flatMap((c) => {
    if (c.undo !== 'ReleaseStock' || c.reservationId !== reservationId) return [c];
    const left = c.items.flatMap((held) => {
      const gone = items.filter((i) => i.lineId === held.lineId && i.locationId === held.locationId).reduce((n, i) => n + i.quantity, 0);
      return held.quantity > gone ? [{ ...held, quantity: held.quantity - gone }] : [];
    });
    return totalUnits(left) > 0 ? [{ ...c, items: left }] : [];
  });
}

const exclude = (ids: readonly string[], id: string): readonly string[] => (ids.includes(id) ? ids : [...ids, id]);
