import {
  accepted, allLines, cancelOrder, carrierSelected, dispatched, holdOrder, q, reservationFailed, routed, shipment, stockReserved, unroutable,
} from './testing/fixtures';
import { releaseStock } from './testing/expected';
import { defaultSagaPolicy } from './policy';
import { ev, given, givenWithPolicy, timerCancelled } from './testing/spec';

const berlin = [q('l1'), q('l2')];
const hamburg = [q('l3')];
const splitPlan = () => routed(1, [shipment('shp-1', 'dc-berlin', berlin), shipment('shp-2', 'dc-hamburg', hamburg)]);
const bothReserved = () => [accepted('SPLIT'), splitPlan(), stockReserved(1, 'dc-berlin', berlin), stockReserved(2, 'dc-hamburg', hamburg)];
const bothInstructed = () => [...bothReserved(), carrierSelected(['shp-1', 'shp-2'])];
const cancelled = (cancelledLines = allLines(), detail = 'Cancelled by web-de') =>
  ev('OrderCancelled', { reason: 'CUSTOMER_REQUEST', cancelledLines, detail });

describe('cancellation at every stage, compensating in reverse', () => {
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
    ]);
    expect(state).toMatchObject({ status: 'Cancelled', compensations: [], timers: [] });
  });

  it('given one shipment left, when the customer cancels, then only the remainder is undone and cancelled', () => {
    given(...bothInstructed(), dispatched('shp-2', 'dc-hamburg', hamburg)).when(cancelOrder()).then([
      timerCancelled(4),
      ev('FulfilmentCancellationRequested', { fulfilmentId: 'shp-1', locationId: 'dc-berlin', reason: 'CUSTOMER_REQUEST' }),
      releaseStock(1, 'dc-berlin', berlin, 'ORDER_CANCELLED'),
      cancelled(berlin, 'Cancelled by web-de; already dispatched and not affected: shp-2'),
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
      ev('OrderNeedsAttention', {
        sagaState: 'CANCELLED', problem: 'COMPENSATION_FAILED', awaiting: null, attempts: 1,
        detail: 'Order ord-100: fulfilment shp-1 left dc-berlin (tracking trk-shp-1) after the order was cancelled, and its stock was already released. ' +
          'Correct the stock at dc-berlin and arrange a return with the carrier.',
      }),
    ]);
    expect(state.status).toBe('Cancelled');
  });
});
