import { randomUUID } from 'node:crypto';
import type { EventOf, EventPayload } from '@switchyard/contracts';
import { Outbox } from '@switchyard/messaging';
import { eventually, publish } from '@switchyard/service-kit/testing';
import { OrderSagas } from './order-sagas';
import {
  asQuantities, hashOf, instructions, linesFor, LOCATION_A, LOCATION_B, newOrderId, operator, ops, redeliver, send, startOrchestrator, viewer,
  type OrchestratorUnderTest,
} from './testing/orchestrator-test-kit';

// The orchestrator against real Kafka and PostgreSQL, in a topic namespace of its own per describe; the test plays
// routing, inventory, carrier and the locations.

interface StreamRow { version: number; type: string }
const stream = (o: OrchestratorUnderTest, orderId: string): Promise<StreamRow[]> =>
  o.service.dataSource.query('SELECT version, type FROM orchestrator.order_events WHERE order_id = $1 ORDER BY version', [orderId]);

/** Waits until the orchestrator published everything it wrote and the reader has read it: counts are then final. */
async function settled(o: OrchestratorUnderTest): Promise<void> {
  await eventually(async () => {
    const [{ n }] = await o.service.dataSource.query('SELECT count(*)::int AS n FROM orchestrator.messaging_outbox');
    if (n > 0) throw new Error(`${n} message(s) still in the outbox`);
  });
  await o.events.caughtUp();
}

/** The cancel requests parked for an order, by event id. */
const parked = async (o: OrchestratorUnderTest, orderId: string): Promise<string[]> =>
  (await o.service.dataSource.query('SELECT event_id FROM orchestrator.parked_cancels WHERE order_id = $1 ORDER BY event_id', [orderId]))
    .map((row: { event_id: string }) => row.event_id);

/** The service's log lines with this message about this order. */
const logged = (o: OrchestratorUnderTest, message: string, orderId: string): Record<string, unknown>[] =>
  o.logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line['message'] === message && line['orderId'] === orderId);

/** Waits until the CancelOrder is parked in the database (its handler's transaction committed). */
async function parkedCancel(o: OrchestratorUnderTest, cancel: EventOf<'CancelOrder'>): Promise<void> {
  await eventually(async () => expect(await parked(o, cancel.payload.orderId)).toEqual([cancel.payload.metadata.eventId]));
}

/** Nothing went to routing, inventory, carrier or a location about the order. */
function noCommands(o: OrchestratorUnderTest, orderId: string): void {
  for (const type of ['RouteOrder', 'ReserveStock', 'SelectCarrier', 'FulfilmentInstructed', 'ReleaseStock'] as const) expect(o.events.all(type, orderId)).toEqual([]);
}

/** Waits until the orchestrator has handled these messages (by message id; `publish` uses the event id): their effects are committed. */
async function handled(o: OrchestratorUnderTest, messageIds: string[]): Promise<void> {
  await eventually(async () => {
    const [{ n }] = await o.service.dataSource.query('SELECT count(*)::int AS n FROM orchestrator.messaging_inbox WHERE message_id = ANY($1::text[])', [messageIds]);
    if (n < messageIds.length) throw new Error(`${messageIds.length - n} of ${messageIds.length} message(s) not handled yet`);
  });
}

/** Accepted, routed as one shipment per location given, every reservation held: returns the SelectCarrier asked. */
async function toCarrierSelection(o: OrchestratorUnderTest, orderId: string, locations: string[]): Promise<EventPayload<'SelectCarrier'>> {
  await publish(o.transport, [send.accepted(orderId, 'SPLIT')]);
  const [route] = await o.events.waitFor('RouteOrder', orderId);
  const lines = asQuantities(linesFor(orderId));
  const shipments = locations.map((locationId, i) => ({
    shipmentId: `${orderId}/shp-${i + 1}`,
    locationId,
    lines: locations.length === 1 ? lines : [lines[i]],
  }));
  await publish(o.transport, [send.routed(orderId, route.attempt, shipments)]);
  const reservations = await o.events.waitFor('ReserveStock', orderId, locations.length);
  await publish(o.transport, reservations.map(send.reserved));
  const [select] = await o.events.waitFor('SelectCarrier', orderId);
  return select;
}

describe('the orchestrator runs each order through the saga', () => {
  let o: OrchestratorUnderTest;

  beforeAll(async () => {
    o = await startOrchestrator({
      ORCHESTRATOR_CARRIER_RETRY_DELAY_MS: '300',
      ORCHESTRATOR_MAX_CARRIER_TRIES: '2',
      ORCHESTRATOR_WAKE_FANOUT: '1',
      LOG_LEVEL: 'info',
    });
  });

  afterAll(async () => {
    await o?.close();
  });

  it('carries a split order from OrderAccepted to OrderCompleted: route, reserve twice, select a carrier, instruct both locations', async () => {
    const orderId = newOrderId('happy');
    const select = await toCarrierSelection(o, orderId, [LOCATION_A, LOCATION_B]);
    expect(select.shipments.map((s) => s.locationId).sort()).toEqual([LOCATION_A, LOCATION_B].sort());

    await publish(o.transport, [send.carrierSelected(select)]);
    const [atA] = await o.events.waitFor('FulfilmentInstructed', orderId, 1, instructions(LOCATION_A));
    const [atB] = await o.events.waitFor('FulfilmentInstructed', orderId, 1, instructions(LOCATION_B));
    expect(atA).toMatchObject({ locationId: LOCATION_A, fulfilmentId: `${orderId}/shp-1`, carrier: { carrierId: 'dhl' } });
    expect(atB).toMatchObject({ locationId: LOCATION_B, fulfilmentId: `${orderId}/shp-2` });

    await publish(o.transport, [send.dispatched(atA)]);
    await publish(o.transport, [send.dispatched(atB)]);
    const [completed] = await o.events.waitFor('OrderCompleted', orderId, 1, 'orders.lifecycle');
    expect(completed.shipments.map((s) => s.fulfilmentId).sort()).toEqual([`${orderId}/shp-1`, `${orderId}/shp-2`]);
    expect(completed.cancelledLines).toEqual([]);

    const rows = await stream(o, orderId);
    expect(rows.map((r) => r.version)).toEqual(rows.map((_, i) => i + 1));
    expect(rows[0].type).toBe('OrderAccepted');
    expect(rows.at(-1)?.type).toBe('OrderCompleted');
    const timers = await o.service.dataSource.query('SELECT timer_id FROM orchestrator.timers WHERE order_id = $1', [orderId]);
    expect(timers).toEqual([]);
  });

  it('holds an order routing cannot place, and routes it again when StockLevelChanged says its SKU is available', async () => {
    const orderId = newOrderId('backorder');
    const lines = asQuantities(linesFor(orderId));
    await publish(o.transport, [send.accepted(orderId, 'HOLD')]);
    const [first] = await o.events.waitFor('RouteOrder', orderId);
    await publish(o.transport, [send.unroutable(orderId, first.attempt, lines)]);
    const [held] = await o.events.waitFor('OrderHeld', orderId, 1, 'orders.lifecycle');
    expect(held).toMatchObject({ reason: 'AWAITING_STOCK', heldLines: lines });
    const indexed = await o.service.dataSource.query('SELECT sku FROM orchestrator.back_orders WHERE order_id = $1 ORDER BY sku', [orderId]);
    expect(indexed.map((r: { sku: string }) => r.sku)).toEqual(lines.map((l) => l.sku).sort());

    await publish(o.transport, [send.stockLevel(lines[1].sku, LOCATION_A, 0)]); // nothing to promise: wakes nobody
    await publish(o.transport, [send.stockLevel(lines[1].sku, LOCATION_A, 12)]);
    const [released] = await o.events.waitFor('OrderReleased', orderId, 1, 'orders.lifecycle');
    expect(released).toMatchObject({ releasedBy: null, note: `12 × ${lines[1].sku} available to promise at ${LOCATION_A}` });
    const routes = await o.events.waitFor('RouteOrder', orderId, 2);
    expect(routes[1]).toMatchObject({ attempt: first.attempt + 1 });
    expect(routes[1].lines.map((l) => l.lineId)).toEqual(['l1', 'l2']);

    await publish(o.transport, [send.routed(orderId, routes[1].attempt, [{ shipmentId: `${orderId}/shp-9`, locationId: LOCATION_A, lines }])]);
    const [reserve] = await o.events.waitFor('ReserveStock', orderId);
    expect(reserve.items.map((i) => i.locationId)).toEqual([LOCATION_A, LOCATION_A]);
    const stillIndexed = await o.service.dataSource.query('SELECT sku FROM orchestrator.back_orders WHERE order_id = $1', [orderId]);
    expect(stillIndexed).toEqual([]);
  });

  it('indexes and wakes a held order only for the SKU routing could not place, not for the lines held with it', async () => {
    const orderId = newOrderId('short-only');
    const [kettle, mugs] = asQuantities(linesFor(orderId));
    await publish(o.transport, [send.accepted(orderId, 'HOLD')]);
    const [first] = await o.events.waitFor('RouteOrder', orderId);
    await publish(o.transport, [send.unroutable(orderId, first.attempt, [mugs])]);
    const [held] = await o.events.waitFor('OrderHeld', orderId, 1, 'orders.lifecycle');
    expect(held.heldLines).toEqual([kettle, mugs]);
    const indexed = await o.service.dataSource.query('SELECT sku FROM orchestrator.back_orders WHERE order_id = $1', [orderId]);
    expect(indexed).toEqual([{ sku: mugs.sku }]);

    const useless = [send.stockLevel(kettle.sku, LOCATION_A, 50), send.stockLevel(mugs.sku, LOCATION_A, mugs.quantity - 1)];
    await publish(o.transport, useless);
    await handled(o, useless.map((e) => e.payload.metadata.eventId));
    await settled(o);
    expect(o.events.all('OrderReleased', orderId)).toEqual([]);
    await publish(o.transport, [send.stockLevel(mugs.sku, LOCATION_B, mugs.quantity)]);
    const [released] = await o.events.waitFor('OrderReleased', orderId, 1, 'orders.lifecycle');
    expect(released.note).toBe(`${mugs.quantity} × ${mugs.sku} available to promise at ${LOCATION_B}`);
    expect(o.events.all('RouteOrder', orderId)).toHaveLength(2);
  });

  it('wakes a bounded number of back-orders per StockLevelChanged, oldest first (ORCHESTRATOR_WAKE_FANOUT=1 here)', async () => {
    const older = newOrderId('wake-older');
    const newer = newOrderId('wake-newer');
    const shared = linesFor(older).slice(0, 1);
    for (const orderId of [older, newer]) {
      await publish(o.transport, [send.accepted(orderId, 'HOLD', shared)]);
      const [route] = await o.events.waitFor('RouteOrder', orderId);
      await publish(o.transport, [send.unroutable(orderId, route.attempt, asQuantities(shared))]);
      await o.events.waitFor('OrderHeld', orderId, 1, 'orders.lifecycle');
    }
    await publish(o.transport, [send.stockLevel(shared[0].sku, LOCATION_B, 3)]);
    await o.events.waitFor('OrderReleased', older, 1, 'orders.lifecycle');
    await settled(o);
    expect(o.events.all('OrderReleased', newer)).toEqual([]);

    await publish(o.transport, [send.stockLevel(shared[0].sku, LOCATION_B, 2)]);
    await o.events.waitFor('OrderReleased', newer, 1, 'orders.lifecycle');
    await settled(o);
    expect(o.events.all('OrderReleased', older)).toHaveLength(1);
  });

  it('re-routes the lines of a reservation race it lost, excluding that location, and goes on with the new plan', async () => {
    const orderId = newOrderId('race-lost');
    await publish(o.transport, [send.accepted(orderId, 'SPLIT')]);
    const [route] = await o.events.waitFor('RouteOrder', orderId);
    const lines = asQuantities(linesFor(orderId));
    await publish(o.transport, [send.routed(orderId, route.attempt, [
      { shipmentId: `${orderId}/1/shp-1`, locationId: LOCATION_A, lines: [lines[0]] },
      { shipmentId: `${orderId}/1/shp-2`, locationId: LOCATION_B, lines: [lines[1]] },
    ])]);
    const [atA, atB] = await o.events.waitFor('ReserveStock', orderId, 2);
    await publish(o.transport, [send.reserved(atA), send.reservationFailed(atB)]);
    const routes = await o.events.waitFor('RouteOrder', orderId, 2);
    expect(routes[1]).toMatchObject({ attempt: route.attempt + 1, excludedLocationIds: [LOCATION_B] });
    expect(routes[1].lines.map((l) => l.lineId)).toEqual([lines[1].lineId]);

    await publish(o.transport, [send.routed(orderId, routes[1].attempt, [{ shipmentId: `${orderId}/2/shp-1`, locationId: LOCATION_A, lines: [lines[1]] }])]);
    const reservations = await o.events.waitFor('ReserveStock', orderId, 3);
    await publish(o.transport, [send.reserved(reservations[2])]);
    const [select] = await o.events.waitFor('SelectCarrier', orderId);
    expect(select.shipments.map((s) => s.shipmentId).sort()).toEqual([`${orderId}/1/shp-1`, `${orderId}/2/shp-1`]);
  });

  it('re-routes what a location rejects: its stock released, the remainder planned again elsewhere', async () => {
    const orderId = newOrderId('rejected');
    const select = await toCarrierSelection(o, orderId, [LOCATION_A]);
    await publish(o.transport, [send.carrierSelected(select)]);
    const [instruction] = await o.events.waitFor('FulfilmentInstructed', orderId, 1, instructions(LOCATION_A));
    const mugs = instruction.lines.filter((l) => l.lineId === 'l2');
    await publish(o.transport, [send.rejected(instruction, mugs)]);
    const [release] = await o.events.waitFor('ReleaseStock', orderId);
    expect(release).toMatchObject({ reason: 'FULFILMENT_REJECTED', items: [{ lineId: 'l2', quantity: 4, locationId: LOCATION_A }] });
    const routes = await o.events.waitFor('RouteOrder', orderId, 2);
    expect(routes[1]).toMatchObject({ excludedLocationIds: [LOCATION_A] });
    expect(routes[1].lines.map((l) => [l.lineId, l.quantity])).toEqual([['l2', 4]]);
  });

  it('cancels an order whose stock is reserved: releases the stock and publishes OrderCancelled', async () => {
    const orderId = newOrderId('cancel');
    await toCarrierSelection(o, orderId, [LOCATION_A]);
    await publish(o.transport, [send.cancel(orderId)]);
    const [release] = await o.events.waitFor('ReleaseStock', orderId);
    expect(release).toMatchObject({ reason: 'ORDER_CANCELLED', reservationId: `${orderId}/reservation/1` });
    expect(release.items.map((i) => i.quantity)).toEqual([1, 4]);
    const [cancelled] = await o.events.waitFor('OrderCancelled', orderId, 1, 'orders.lifecycle');
    expect(cancelled).toMatchObject({ reason: 'CUSTOMER_REQUEST', detail: 'Cancelled by web-de: customer changed their mind' });
    const timers = await o.service.dataSource.query('SELECT timer_id FROM orchestrator.timers WHERE order_id = $1', [orderId]);
    expect(timers).toEqual([]);
  });

  it('withdraws instructions on cancel: FulfilmentCancellationRequested on the location topic, and waits for FulfilmentCancelled', async () => {
    const orderId = newOrderId('withdraw');
    const select = await toCarrierSelection(o, orderId, [LOCATION_A]);
    await publish(o.transport, [send.carrierSelected(select)]);
    const [instruction] = await o.events.waitFor('FulfilmentInstructed', orderId, 1, instructions(LOCATION_A));
    const cancelled = await ops(o.service.url, 'POST', `/v1/ops/orders/${orderId}/cancel`, operator, { reason: 'duplicate order' });
    expect(cancelled.status).toBe(202);
    const [withdrawal] = await o.events.waitFor('FulfilmentCancellationRequested', orderId, 1, instructions(LOCATION_A));
    expect(withdrawal).toMatchObject({ fulfilmentId: instruction.fulfilmentId, locationId: LOCATION_A, reason: 'OPERATOR: duplicate order' });
    await o.events.waitFor('OrderCancelled', orderId, 1, 'orders.lifecycle');
    const waiting = await o.service.dataSource.query('SELECT purpose FROM orchestrator.timers WHERE order_id = $1', [orderId]);
    expect(waiting).toEqual([{ purpose: 'FULFILMENT_CANCELLATION' }]);

    await publish(o.transport, [send.fulfilmentCancelled(instruction)]);
    await eventually(async () => {
      const left = await o.service.dataSource.query('SELECT purpose FROM orchestrator.timers WHERE order_id = $1', [orderId]);
      expect(left).toEqual([]);
    });
    const view = await ops(o.service.url, 'GET', `/v1/ops/orders/${orderId}`, viewer);
    expect(view.body).toMatchObject({ state: 'CANCELLED', shipments: [{ shipmentId: instruction.fulfilmentId, stage: 'Withdrawn' }] });
  });

  it('answers operations: viewers read the saga and its timeline, operators act, refusals are 409 naming the order and its state', async () => {
    const orderId = newOrderId('ops');
    const select = await toCarrierSelection(o, orderId, [LOCATION_A]);

    expect((await ops(o.service.url, 'GET', `/v1/ops/orders/${orderId}`, null)).status).toBe(401);
    const view = await ops(o.service.url, 'GET', `/v1/ops/orders/${orderId}`, viewer);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({
      orderId, state: 'SELECTING_CARRIER',
      reservations: [{ reservationId: `${orderId}/reservation/1`, locationId: LOCATION_A, pending: false }],
      timers: [{ purpose: 'CARRIER_REPLY' }],
      compensations: [{ undo: 'ReleaseStock', reservationId: `${orderId}/reservation/1` }],
    });
    const timeline = view.body['timeline'] as { version: number; type: string }[];
    expect(timeline.slice(0, 2).map((e) => e.type)).toEqual(['OrderAccepted', 'RouteOrder']);
    expect(timeline.map((e) => e.version)).toEqual(timeline.map((_, i) => i + 1));

    const forbidden = await ops(o.service.url, 'POST', `/v1/ops/orders/${orderId}/hold`, viewer, { reason: 'fraud check' });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body['message']).toContain('viewer');
    expect((await ops(o.service.url, 'POST', `/v1/ops/orders/${orderId}/hold`, operator, {})).status).toBe(400);

    const held = await ops(o.service.url, 'POST', `/v1/ops/orders/${orderId}/hold`, operator, { reason: 'fraud check' });
    expect(held).toMatchObject({ status: 202, body: { orderId, state: 'ON_HOLD', events: ['HoldOrder', 'TimerCancelled', 'OrderHeld'] } });
    const [opHold] = await o.events.waitFor('OrderHeld', orderId, 1, 'orders.lifecycle');
    expect(opHold).toMatchObject({ reason: 'OPERATOR_HOLD', heldBy: operator.operatorId });
    const again = await ops(o.service.url, 'POST', `/v1/ops/orders/${orderId}/hold`, operator, { reason: 'twice' });
    expect(again).toMatchObject({ status: 409, body: { code: 'ALREADY_ON_HOLD', orderId, state: 'ON_HOLD' } });

    const released = await ops(o.service.url, 'POST', `/v1/ops/orders/${orderId}/release`, operator, { reason: 'customer verified' });
    expect(released).toMatchObject({ status: 202, body: { state: 'SELECTING_CARRIER' } });
    const selects = await o.events.waitFor('SelectCarrier', orderId, 2);
    await publish(o.transport, [send.carrierSelected(selects[1])]);
    const [instruction] = await o.events.waitFor('FulfilmentInstructed', orderId, 1, instructions(LOCATION_A));
    expect(select.shipments[0].shipmentId).toBe(instruction.fulfilmentId);
    await publish(o.transport, [send.dispatched(instruction)]);
    await o.events.waitFor('OrderCompleted', orderId, 1, 'orders.lifecycle');

    const refused = await ops(o.service.url, 'POST', `/v1/ops/orders/${orderId}/cancel`, operator, { reason: 'customer called' });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'ALREADY_COMPLETED', orderId, state: 'COMPLETED' });
    expect(refused.body['message']).toContain(`Order ${orderId} is COMPLETED`);
    expect(refused.body['message']).toContain('can no longer be cancelled');

    const unknown = await ops(o.service.url, 'POST', `/v1/ops/orders/${newOrderId('nobody')}/hold`, operator, { reason: 'x' });
    expect(unknown.status).toBe(404);
  });

  it('never logs operator keys or their hashes, and masks the key setting in its start-up line', async () => {
    expect((await ops(o.service.url, 'GET', `/v1/ops/orders/${newOrderId('nobody')}`, operator)).status).toBe(404);
    expect((await ops(o.service.url, 'GET', '/v1/ops/orders/x', { operatorId: 'mallory', key: 'guessed-key' })).status).toBe(401);
    const starting = o.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l['message'] === 'starting');
    expect(JSON.parse(String(starting?.['config']))).toMatchObject({ ORCHESTRATOR_OPERATOR_KEYS: '***' });
    const all = o.logs.join('\n');
    for (const secret of [operator.key, viewer.key, hashOf(operator), hashOf(viewer), 'guessed-key']) expect(all).not.toContain(secret);
  });

  it('retries carrier selection after CarrierSelectionFailed on a durable timer, then escalates with OrderNeedsAttention', async () => {
    const orderId = newOrderId('carrier');
    const select = await toCarrierSelection(o, orderId, [LOCATION_A]);
    await publish(o.transport, [send.carrierFailed(select)]);
    const selects = await o.events.waitFor('SelectCarrier', orderId, 2);
    expect(selects[1].shipments).toEqual(select.shipments);
    await publish(o.transport, [send.carrierFailed(selects[1])]);
    const [attention] = await o.events.waitFor('OrderNeedsAttention', orderId, 1, 'orders.lifecycle');
    expect(attention).toMatchObject({ problem: 'RETRIES_EXHAUSTED', awaiting: 'CarrierSelected', attempts: 2, sagaState: 'SELECTING_CARRIER' });
    expect(attention.detail).toContain(`Order ${orderId}`);
  });

  it('handles the same reply delivered twice (new message id, same event) once: no duplicate commands', async () => {
    const orderId = newOrderId('twice');
    await publish(o.transport, [send.accepted(orderId, 'SPLIT')]);
    const [route] = await o.events.waitFor('RouteOrder', orderId);
    const lines = asQuantities(linesFor(orderId));
    const routed = send.routed(orderId, route.attempt, [
      { shipmentId: `${orderId}/shp-1`, locationId: LOCATION_A, lines: [lines[0]] },
      { shipmentId: `${orderId}/shp-2`, locationId: LOCATION_B, lines: [lines[1]] },
    ]);
    await publish(o.transport, [routed]);
    await redeliver(o.transport, routed);
    const reservations = await o.events.waitFor('ReserveStock', orderId, 2);
    const first = send.reserved(reservations[0]);
    await publish(o.transport, [first]);
    await redeliver(o.transport, first);
    await publish(o.transport, [send.reserved(reservations[1])]);
    await o.events.waitFor('SelectCarrier', orderId);
    await settled(o);

    expect(o.events.all('ReserveStock', orderId)).toHaveLength(2);
    expect(o.events.all('SelectCarrier', orderId)).toHaveLength(1);
    expect(o.events.all('RouteOrder', orderId)).toHaveLength(1);
    const types = (await stream(o, orderId)).map((r) => r.type);
    expect(types.filter((t) => t === 'OrderRouted')).toHaveLength(1);
    expect(types.filter((t) => t === 'StockReserved')).toHaveLength(2);
  });

  it('keeps one order gap-free and unique when operators and replies write it at the same time', async () => {
    const orderId = newOrderId('race');
    await publish(o.transport, [send.accepted(orderId, 'SPLIT')]);
    const [route] = await o.events.waitFor('RouteOrder', orderId);
    const reroutes = Array.from({ length: 5 }, (_, i) =>
      ops(o.service.url, 'POST', `/v1/ops/orders/${orderId}/reroute`, operator, { reason: `try ${i}`, excludeLocationIds: [`dc-closed-${i}`] }));
    const reply = publish(o.transport, [send.routed(orderId, route.attempt, [{ shipmentId: `${orderId}/shp-1`, locationId: LOCATION_A, lines: asQuantities(linesFor(orderId)) }])]);
    const [answers] = await Promise.all([Promise.all(reroutes), reply]);
    await settled(o);
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202, 202]);
    const [last] = (await o.events.waitFor('RouteOrder', orderId, 6)).slice(-1);
    expect(last.excludedLocationIds.sort()).toEqual([0, 1, 2, 3, 4].map((i) => `dc-closed-${i}`).sort());

    const rows = await stream(o, orderId);
    expect(rows.map((r) => r.version)).toEqual(rows.map((_, i) => i + 1));
    expect(rows.filter((r) => r.type === 'RerouteOrder')).toHaveLength(5);
    expect(rows.filter((r) => r.type === 'RouteOrder')).toHaveLength(6);
    const versions = answers.map((a) => a.body['version'] as number);
    expect(new Set(versions).size).toBe(5);
  });

  it('decides again on the fresh stream when another writer appended first (unique violation on the version), losing nothing', async () => {
    const orderId = newOrderId('conflict');
    await publish(o.transport, [send.accepted(orderId, 'SPLIT')]);
    await o.events.waitFor('RouteOrder', orderId);
    const sagas = o.service.app.get(OrderSagas);
    const outbox = o.service.app.get(Outbox);
    const command = (type: 'HoldOrder' | 'RerouteOrder') => {
      const metadata = { eventId: randomUUID(), occurredAt: Date.now(), correlationId: orderId, causationId: null };
      return type === 'HoldOrder'
        ? { type, payload: { metadata, orderId, operatorId: 'ops-anna', reason: 'first writer' }, now: Date.now() } as const
        : { type, payload: { metadata, orderId, operatorId: 'ops-ben', reason: 'second writer', excludeLocationIds: [] }, now: Date.now() } as const;
    };
    const first = o.service.dataSource.createQueryRunner();
    const second = o.service.dataSource.createQueryRunner();
    await first.startTransaction();
    await second.startTransaction();
    try {
      const held = await sagas.apply(first.manager, orderId, command('HoldOrder'), (m) => outbox.add(first.manager, m));
      // The second writer read the same version and now waits on the first one's uncommitted row.
      const rerouted = sagas.apply(second.manager, orderId, command('RerouteOrder'), (m) => outbox.add(second.manager, m));
      await eventually(async () => {
        const [{ n }] = await o.service.dataSource.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
        if (n === 0) throw new Error('the second writer is not waiting yet');
      });
      await first.commitTransaction();
      const outcome = await rerouted;
      await second.commitTransaction();
      expect(held.outcome).toBe('appended');
      expect(outcome.outcome).toBe('appended');
      if (held.outcome !== 'appended' || outcome.outcome !== 'appended') return;
      expect(outcome.version - outcome.events.length).toBe(held.version);
      // Decided on the stream that includes the hold: the re-route releases it.
      expect(outcome.events.map((e) => e.type)).toContain('OrderReleased');
    } finally {
      await first.release();
      await second.release();
    }
    const rows = await stream(o, orderId);
    expect(rows.map((r) => r.version)).toEqual(rows.map((_, i) => i + 1));
    expect(rows.map((r) => r.type)).toEqual(expect.arrayContaining(['HoldOrder', 'OrderHeld', 'RerouteOrder', 'OrderReleased']));
    await o.events.waitFor('OrderReleased', orderId, 1, 'orders.lifecycle');
  });

  it('ignores replies about orders it has no stream for, and its own status events coming back, without dead-lettering them', async () => {
    const stranger = newOrderId('stranger');
    const strangerReply = send.routed(stranger, 1, []);
    await publish(o.transport, [strangerReply]);
    const strangerMessage = strangerReply.payload.metadata.eventId;
    const orderId = newOrderId('own-status');
    await publish(o.transport, [send.accepted(orderId)]);
    await o.events.waitFor('RouteOrder', orderId);
    expect((await ops(o.service.url, 'POST', `/v1/ops/orders/${orderId}/hold`, operator, { reason: 'check address' })).status).toBe(202);
    await o.events.waitFor('OrderHeld', orderId, 1, 'orders.lifecycle');
    const ownHeld = o.events.messageIds('OrderHeld', orderId);
    expect(ownHeld).toHaveLength(1);

    // The inbox row is written with the handler's effect: both were handled (as no-ops), not dead-lettered.
    await eventually(async () => {
      const handled = await o.service.dataSource.query('SELECT topic FROM orchestrator.messaging_inbox WHERE message_id = ANY($1::text[]) ORDER BY topic', [[strangerMessage, ...ownHeld]]);
      expect(handled).toEqual([{ topic: 'orders.lifecycle' }, { topic: 'routing.events' }]);
    });
    expect(await stream(o, stranger)).toEqual([]);
    const types = (await stream(o, orderId)).map((r) => r.type);
    expect(types.filter((t) => t === 'OrderHeld')).toHaveLength(1);
  });

  it('parks a CancelOrder that overtakes its OrderAccepted (once, though delivered twice) and cancels the order at its start, asking nothing of anyone', async () => {
    const orderId = newOrderId('cancel-first');
    const cancel = send.cancel(orderId);
    await publish(o.transport, [cancel]);
    await parkedCancel(o, cancel);
    await redeliver(o.transport, cancel);
    await eventually(() => expect(logged(o, 'cancel request already parked: a redelivery, kept once', orderId)).toHaveLength(1));
    expect(await parked(o, orderId)).toEqual([cancel.payload.metadata.eventId]);
    expect(await stream(o, orderId)).toEqual([]);

    await publish(o.transport, [send.accepted(orderId)]);
    const [cancelled] = await o.events.waitFor('OrderCancelled', orderId, 1, 'orders.lifecycle');
    expect(cancelled).toMatchObject({ reason: 'CUSTOMER_REQUEST', detail: 'Cancelled by web-de: customer changed their mind', cancelledLines: asQuantities(linesFor(orderId)) });
    await settled(o);
    expect(o.events.all('OrderCancelled', orderId)).toHaveLength(1);
    noCommands(o, orderId);
    expect(await parked(o, orderId)).toEqual([]);
    expect((await stream(o, orderId)).map((r) => r.type)).toEqual(['OrderAccepted', 'OrderCancelled']);
    const timers = await o.service.dataSource.query('SELECT timer_id FROM orchestrator.timers WHERE order_id = $1', [orderId]);
    expect(timers).toEqual([]);
  });

  it('resolves a parked CancelOrder when intake rejects its order: removed, nothing to cancel', async () => {
    const orderId = newOrderId('cancel-rejected');
    const cancel = send.cancel(orderId);
    await publish(o.transport, [cancel]);
    await parkedCancel(o, cancel);
    await publish(o.transport, [send.orderRejected(orderId)]);
    await eventually(async () => expect(await parked(o, orderId)).toEqual([]));
    const [resolved] = logged(o, 'parked cancel request resolved: intake rejected the order, so there is nothing to cancel', orderId);
    expect(resolved).toMatchObject({ cancelEventId: cancel.payload.metadata.eventId, requestedBy: 'web-de' });
    expect((await stream(o, orderId)).map((r) => r.type)).toEqual(['OrderRejected']);
    await settled(o);
    expect(o.events.all('OrderCancelled', orderId)).toEqual([]);
  });

  it('keeps a parked CancelOrder across a restart and applies it when the OrderAccepted comes after', async () => {
    const orderId = newOrderId('cancel-restart');
    const cancel = send.cancel(orderId);
    await publish(o.transport, [cancel]);
    await parkedCancel(o, cancel);
    await o.stop();
    await o.start();
    await publish(o.transport, [send.accepted(orderId)]);
    await o.events.waitFor('OrderCancelled', orderId, 1, 'orders.lifecycle');
    await settled(o);
    noCommands(o, orderId);
    expect(await parked(o, orderId)).toEqual([]);
  });
});

describe('durable timers: deadlines fire, escalate and survive a restart', () => {
  let o: OrchestratorUnderTest;

  beforeAll(async () => {
    o = await startOrchestrator({ ORCHESTRATOR_ROUTING_DEADLINE_MS: '1500', ORCHESTRATOR_MAX_ROUTING_TRIES: '2', ORCHESTRATOR_PARKED_CANCEL_TTL_MS: '1500', LOG_LEVEL: 'info' });
  });

  afterAll(async () => {
    await o?.close();
  });

  it('asks routing again when it misses its deadline, then escalates with OrderNeedsAttention', async () => {
    const orderId = newOrderId('deadline');
    await publish(o.transport, [send.accepted(orderId)]);
    const routes = await o.events.waitFor('RouteOrder', orderId, 2);
    expect(routes[1]).toMatchObject({ attempt: routes[0].attempt, lines: routes[0].lines });
    const [attention] = await o.events.waitFor('OrderNeedsAttention', orderId, 1, 'orders.lifecycle');
    expect(attention).toMatchObject({ problem: 'DEADLINE_MISSED', awaiting: 'OrderRouted', attempts: 2, sagaState: 'ROUTING' });
    await settled(o);
    expect(o.events.all('RouteOrder', orderId)).toHaveLength(2);
  });

  it('continues after a restart mid-saga: the deadline that fell due while it was down fires, and the reply moves the order on', async () => {
    const orderId = newOrderId('restart');
    await publish(o.transport, [send.accepted(orderId)]);
    const [route] = await o.events.waitFor('RouteOrder', orderId);
    const [{ due }] = await o.service.dataSource.query('SELECT due_at::bigint AS due FROM orchestrator.timers WHERE order_id = $1', [orderId]);
    await o.stop();
    await eventually(() => {
      if (Date.now() <= Number(due)) throw new Error('the routing deadline is not due yet');
    });
    await o.start();
    const routes = await o.events.waitFor('RouteOrder', orderId, 2);
    expect(routes[1]).toMatchObject({ attempt: route.attempt });
    await publish(o.transport, [send.routed(orderId, route.attempt, [{ shipmentId: `${orderId}/shp-1`, locationId: LOCATION_A, lines: asQuantities(linesFor(orderId)) }])]);
    const [reserve] = await o.events.waitFor('ReserveStock', orderId);
    expect(reserve.reservationId).toBe(`${orderId}/reservation/1`);
  });

  it('refuses a parked CancelOrder whose order never comes once ORCHESTRATOR_PARKED_CANCEL_TTL_MS has passed, saying so at warn', async () => {
    const orderId = newOrderId('cancel-nobody');
    const cancel = send.cancel(orderId);
    await publish(o.transport, [cancel]);
    await eventually(() => expect(logged(o, 'cancel request parked until its order is accepted', orderId)).toHaveLength(1));
    await eventually(async () => expect(logged(o, 'cancel request refused: its order was never accepted', orderId)).toHaveLength(1));
    const [refused] = logged(o, 'cancel request refused: its order was never accepted', orderId);
    expect(refused).toMatchObject({ level: 'warn', code: 'UNKNOWN_ORDER', cancelEventId: cancel.payload.metadata.eventId, requestedBy: 'web-de' });
    expect(String(refused['detail'])).toContain(`Order ${orderId} had no OrderAccepted`);
    expect(await parked(o, orderId)).toEqual([]);
    expect(await stream(o, orderId)).toEqual([]);
  });
});
