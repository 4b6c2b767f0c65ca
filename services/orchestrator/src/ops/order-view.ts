import { awaitedStock, hasProgress, statusLabel, type SagaState } from '@switchyard/order-saga';
import type { StoredEvent } from '../order-store';

const iso = (epochMillis: number) => new Date(epochMillis).toISOString();

/** What operations see of one order: where it is, what it holds, what it waits for, what it would undo, and everything that happened. */
export function orderView(orderId: string, state: SagaState, timeline: readonly StoredEvent[]) {
  const base = { orderId, state: statusLabel(state.status), version: timeline.length };
  const events = timeline.map(({ version, type, recordedAt, payload }) => ({ version, type, recordedAt, payload }));
  if (!hasProgress(state)) {
    return { ...base, shipments: [], reservations: [], timers: [], compensations: [], hold: null, attention: null, heldLines: [], awaitedStock: [], cancelledLines: [], timeline: events };
  }
  const held = new Map(state.compensations.flatMap((c) => (c.undo === 'ReleaseStock' ? [[c.reservationId, c.items] as const] : [])));
  return {
    ...base,
    channel: state.order.channel,
    channelOrderId: state.order.channelOrderId,
    backOrderPolicy: state.order.backOrderPolicy,
    routingAttempt: state.routingAttempt,
    step: state.step,
    hold: state.hold && { ...state.hold, since: iso(state.hold.since) },
    attention: state.attention,
    heldLines: state.heldLines,
    /** The held units whose stock would wake the order (the short ones). */
    awaitedStock: state.heldLines.length > 0 ? awaitedStock(state) : [],
    cancelledLines: state.cancelledLines,
    excludedLocationIds: state.excludedLocationIds,
    shipments: state.shipments,
    reservations: [
      ...state.shipments.flatMap((s) =>
        s.stage === 'Planned' ? [] : [{ reservationId: s.reservationId, shipmentId: s.shipmentId, locationId: s.locationId, pending: s.stage === 'Reserving', held: held.get(s.reservationId) ?? [] }],
      ),
      ...state.abandonedReservations.map((a) => ({ reservationId: a.reservationId, shipmentId: a.shipmentId, locationId: a.items[0]?.locationId ?? null, pending: true, held: [], abandoned: a.releaseReason })),
    ],
    timers: state.timers.map((t) => ({ ...t, dueAt: iso(t.dueAt) })),
    /** Last entry is undone first. */
    compensations: state.compensations,
    timeline: events,
  };
}
