import {
  accepted, allLines, cancelOrder, carrierSelected, dispatched, fulfilmentCancelled, holdOrder, q, received, reservationFailed, routed, shipment,
  stockReserved, T0, timerElapsed, unroutable, ORDER_ID,
} from './testing/fixtures';
import { hasProgress } from './state';
import { releaseStock } from './testing/expected';
import { defaultSagaPolicy } from './policy';
import { ev, given, givenWithPolicy, scheduled, timerCancelled } from './testing/spec';

const CONFIRM = defaultSagaPolicy.replyDeadlineMs.fulfilmentCancellation;
const cancelOrderWithNote = (note: string) =>
  received('CancelOrder', { orderId: ORDER_ID, requestedBy: 'web-de', reason: 'CUSTOMER_REQUEST', note }, T0);

const berlin = [q('l1'), q('l2')];
const hamburg = [q('l3')];
const splitPlan = () => routed(1, [shipment('shp-1', 'dc-berlin', berlin), shipment('shp-2', 'dc-hamburg', hamburg)]);
const bothReserved = () => [accepted('SPLIT'), splitPlan(), stockReserved(1, 'dc-berlin', berlin), stockReserved(2, 'dc-hamburg', hamburg)];
const bothInstructed = () => [...bothReserved(), carrierSelected(['shp-1', 'shp-2'])];
const cancelled = (cancelledLines = allLines(), detail = 'Cancelled by web-de') =>
  ev('OrderCancelled', { reason: 'CUSTOMER_REQUEST', cancelledLines, detail });

describe('cancellation at every stage, compensating in reverse', () => {
  it('given a cancel request came before the order, when the order is accepted, then it is recorded and nothing is asked', () => {
    const { state } = given().when({ ...accepted(), cancelWaiting: true }).then([ev('OrderAccepted')]);
    expect(state).toMatchObject({ status: 'Accepted', step: null, timers: [] });
  });

  it('given the order was accepted with a cancel waiting, when that cancel is decided, then the order is cancelled whole with nothing to undo', () => {
    const { state } = given({ ...accepted(), cancelWaiting: true }).when(cancelOrder()).then([cancelled()]);
    expect(state).toMatchObject({ status: 'Cancelled', shipments: [], timers: [], compensations: [] });
  });

  it('given routing was asked, when the customer cancels, then the deadline is dropped and the order cancelled; nothing to undo', () => {
    const { state } = given(accepted()).when(cancelOrder()).then([timerCancelled(1), cancelled()]);
    expect(state.status).toBe('Cancelled');
  });

  it('given the order was cancelled while routing, when the plan arrives late, then it is ignored', () => {
    given(accepted(), cancelOrder()).when(routed(1, [shipment('shp-1', 'dc-berlin', allLines())])).thenNothing();
  });

  it('given stock was asked for, when the customer cancels, then the order is cancelled with nothing released yet', () => {
    const { state } = given(accepted(), routed(1, [shipment('shp-1', 'dc-berlin', allLines())])).when(cancelOrder()).then([timerCancelled(2), cancelled()]);
    expect(state).toMatchObject({ abandonedReservations: [{ reservationId: 'ord-100/reservation/1', releaseReason: 'ORDER_CANCELLED' }] });
  });

  it('given the order was cancelled before inventory answered, when inventory holds the stock after all, then it is released at once', () => {
    given(accepted(), routed(1, [shipment('shp-1', 'dc-berlin', allLines())]), cancelOrder())
      .when(stockReserved(1, 'dc-berlin', allLines()))
      .then([ev('StockReserved'), releaseStock(1, 'dc-berlin', allLines(), 'ORDER_CANCELLED')]);
  });

  it('given the order was cancelled before inventory answered, when inventory held nothing, then nothing is released', () => {
    const { state } = given(accepted(), routed(1, [shipment('shp-1', 'dc-berlin', allLines())]), cancelOrder())
      .when(reservationFailed(1, 'dc-berlin', allLines()))
      .then([ev('StockReservationFailed')]);
    expect(state).toMatchObject({ abandonedReservations: [] });
  });

  it('given both shipments hold stock, when the customer cancels, then the reservations are released last-first', () => {
    given(...bothReserved()).when(cancelOrder()).then([
      timerCancelled(3),
      releaseStock(2, 'dc-hamburg', hamburg, 'ORDER_CANCELLED'),
      releaseStock(1, 'dc-berlin', berlin, 'ORDER_CANCELLED'),
      cancelled(),
    ]);
  });

  it('given both locations were instructed, when the customer cancels, then instructions are cancelled before stock is released, all in reverse', () => {
    const { state } = given(...bothInstructed()).when(cancelOrder()).then([
      timerCancelled(4),
      timerCancelled(5),
      ev('FulfilmentCancellationRequested', { fulfilmentId: 'shp-2', locationId: 'dc-hamburg', reason: 'CUSTOMER_REQUEST' }),
      ev('FulfilmentCancellationRequested', { fulfilmentId: 'shp-1', locationId: 'dc-berlin', reason: 'CUSTOMER_REQUEST' }),
      releaseStock(2, 'dc-hamburg', hamburg, 'ORDER_CANCELLED'),
      releaseStock(1, 'dc-berlin', berlin, 'ORDER_CANCELLED'),
      cancelled(),
      scheduled(6, 'FULFILMENT_CANCELLATION', T0 + CONFIRM, 'shp-2'),
      scheduled(7, 'FULFILMENT_CANCELLATION', T0 + CONFIRM, 'shp-1'),
    ]);
    expect(state).toMatchObject({ status: 'Cancelled', compensations: [], timers: [{ shipmentId: 'shp-2' }, { shipmentId: 'shp-1' }] });
  });

  it('given instructions were withdrawn, when a location confirms, then its shipment is withdrawn and its deadline dropped', () => {
    const { state } = given(...bothInstructed(), cancelOrder()).when(fulfilmentCancelled('shp-2', 'dc-hamburg')).then([
      ev('FulfilmentCancelled'),
      timerCancelled(6),
    ]);
    expect(state).toMatchObject({ status: 'Cancelled', timers: [{ shipmentId: 'shp-1' }] });
    expect(hasProgress(state) && state.shipments.find((s) => s.shipmentId === 'shp-2')?.stage).toBe('Withdrawn');
  });

  it('given a location confirmed the withdrawal, when the confirmation comes again, then nothing happens', () => {
    given(...bothInstructed(), cancelOrder(), fulfilmentCancelled('shp-2', 'dc-hamburg')).when(fulfilmentCancelled('shp-2', 'dc-hamburg')).thenNothing();
  });

  it('given instructions were withdrawn, when a location does not confirm in time, then operations are asked to call it', () => {
    const { state } = given(...bothInstructed(), cancelOrder(), fulfilmentCancelled('shp-2', 'dc-hamburg'))
      .when((h) => timerElapsed(h.timer('FULFILMENT_CANCELLATION', 'shp-1'), T0 + CONFIRM))
      .then([
        ev('TimerElapsed'),
        ev('OrderNeedsAttention', {
          sagaState: 'CANCELLED', problem: 'DEADLINE_MISSED', awaiting: 'FulfilmentCancelled', attempts: 1,
          detail: 'Order ord-100: dc-berlin has not confirmed within 1800 s that it withdrew fulfilment shp-1 of this cancelled order; ' +
            'call the location so it does not ship (its stock was already released).',
        }),
      ]);
    expect(state).toMatchObject({ status: 'Cancelled', timers: [] });
  });

  it('given the order is live, when a location withdraws an instruction on its own, then its stock is released and the shipment re-routed', () => {
    given(...bothInstructed()).when(fulfilmentCancelled('shp-2', 'dc-hamburg')).then([
      ev('FulfilmentCancelled'),
      timerCancelled(5),
      releaseStock(2, 'dc-hamburg', hamburg, 'FULFILMENT_REJECTED'),
      ev('RouteOrder'),
      ev('TimerScheduled'),
    ]);
  });

  it('given the order is cancelled with a note, when instructions are withdrawn, then the location is told why', () => {
    const { events } = given(...bothInstructed()).when(cancelOrderWithNote('customer moved')).then([
      timerCancelled(4), timerCancelled(5),
      ev('FulfilmentCancellationRequested', { fulfilmentId: 'shp-2', locationId: 'dc-hamburg', reason: 'CUSTOMER_REQUEST: customer moved' }),
      ev('FulfilmentCancellationRequested', { fulfilmentId: 'shp-1', locationId: 'dc-berlin', reason: 'CUSTOMER_REQUEST: customer moved' }),
      ev('ReleaseStock'), ev('ReleaseStock'), ev('OrderCancelled'), ev('TimerScheduled'), ev('TimerScheduled'),
    ]);
    expect(events.filter((e) => e.type === 'FulfilmentCancellationRequested')).toHaveLength(2);
  });

  it('given one shipment left, when the customer cancels, then only the remainder is undone and cancelled', () => {
    given(...bothInstructed(), dispatched('shp-2', 'dc-hamburg', hamburg)).when(cancelOrder()).then([
      timerCancelled(4),
      ev('FulfilmentCancellationRequested', { fulfilmentId: 'shp-1', locationId: 'dc-berlin', reason: 'CUSTOMER_REQUEST' }),
      releaseStock(1, 'dc-berlin', berlin, 'ORDER_CANCELLED'),
      cancelled(berlin, 'Cancelled by web-de; already dispatched and not affected: shp-2'),
      scheduled(6, 'FULFILMENT_CANCELLATION', T0 + CONFIRM, 'shp-1'),
    ]);
  });

  it('given every shipment was dispatched, when the customer cancels, then the request is refused saying why and what to do', () => {
    const reason = given(...bothInstructed(), dispatched('shp-2', 'dc-hamburg', hamburg), dispatched('shp-1', 'dc-berlin', berlin))
      .when(cancelOrder())
      .thenRejects('ALREADY_COMPLETED', 'Order ord-100', 'COMPLETED', 'shp-1 from dc-berlin', 'shp-2 from dc-hamburg', 'return');
    expect(reason).toMatch(/can no longer be cancelled/);
  });

  it('given the order was cancelled, when someone cancels again with a new request, then it is refused as already cancelled', () => {
    given(accepted(), cancelOrder()).when(cancelOrder('ops-anna', 'OPERATOR')).thenRejects('ALREADY_CANCELLED', 'Order ord-100', 'CANCELLED');
  });

  it('given the order is back-ordered, when the customer cancels, then the review deadline is dropped and the order cancelled', () => {
    given(accepted(), unroutable(1, allLines())).when(cancelOrder()).then([timerCancelled(2), cancelled()]);
  });

  it('given an operator holds the order with stock reserved, when it is cancelled, then the held stock is released', () => {
    given(...bothReserved(), holdOrder()).when(cancelOrder('ops-anna', 'OPERATOR')).then([
      releaseStock(2, 'dc-hamburg', hamburg, 'ORDER_CANCELLED'),
      releaseStock(1, 'dc-berlin', berlin, 'ORDER_CANCELLED'),
      ev('OrderCancelled', { reason: 'OPERATOR', cancelledLines: allLines(), detail: 'Cancelled by ops-anna' }),
    ]);
  });

  it('given the order waits for operations after lost races, when it is cancelled, then the stock still held is released', () => {
    const policy = { ...defaultSagaPolicy, maxAutomaticReroutes: 0 };
    const { state } = givenWithPolicy(policy, ...bothReserved().slice(0, 3), reservationFailed(2, 'dc-hamburg', hamburg)).when(cancelOrder()).then([
      releaseStock(1, 'dc-berlin', berlin, 'ORDER_CANCELLED'),
      cancelled(),
    ]);
    expect(state).toMatchObject({ status: 'Cancelled', compensations: [] });
  });

  it('given no order was accepted, when a cancel arrives, then it is refused as unknown', () => {
    given().when(cancelOrder()).thenRejects('UNKNOWN_ORDER', 'Order ord-100', 'not known');
  });

  it('given the instruction was cancelled, when the location dispatches anyway, then operations are told to correct stock and arrange a return', () => {
    const { state } = given(...bothInstructed(), cancelOrder()).when(dispatched('shp-1', 'dc-berlin', berlin)).then([
      ev('ShipmentDispatched'),
      timerCancelled(7),
      ev('OrderNeedsAttention', {
        sagaState: 'CANCELLED', problem: 'COMPENSATION_FAILED', awaiting: null, attempts: 1,
        detail: 'Order ord-100: fulfilment shp-1 left dc-berlin (tracking trk-shp-1) after the order was cancelled, and its stock was already released. ' +
          'Correct the stock at dc-berlin and arrange a return with the carrier.',
      }),
    ]);
    expect(state.status).toBe('Cancelled');
  });
});
