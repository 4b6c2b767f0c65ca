import { defaultSagaPolicy } from './policy';
import { accepted, allLines, q, reservationFailed, routed, shipment, stockReserved, T0 } from './testing/fixtures';
import { reserveStock, routeOrder, selectCarrier } from './testing/expected';
import { ev, given, givenWithPolicy, scheduled, timerCancelled } from './testing/spec';

const berlin = [q('l1'), q('l2')];
const teapots = [q('l3')];
const splitPlan = () => routed(1, [shipment('shp-1', 'dc-berlin', berlin), shipment('shp-2', 'dc-hamburg', teapots)], [], T0);

describe('reservation race lost: another order took the stock between routing and reserving', () => {
  it('given one reservation was asked for, when inventory holds nothing, then the order is re-routed without that location', () => {
    const { state } = given(accepted(), routed(1, [shipment('shp-1', 'dc-berlin', allLines())])).when(reservationFailed(1, 'dc-berlin', [q('l2')])).then([
      ev('StockReservationFailed'),
      timerCancelled(2),
      routeOrder(2, allLines(), ['dc-berlin']),
      scheduled(3, 'ROUTING_REPLY', T0 + 30_000),
    ]);
    expect(state).toMatchObject({ status: 'Routing', automaticReroutes: 1, shipments: [], compensations: [] });
  });

  it('given a split plan, when one reservation fails and the other holds, then only the failed lines are re-routed and the held stock is kept', () => {
    const { state } = given(accepted('SPLIT'), splitPlan(), stockReserved(1, 'dc-berlin', berlin)).when(reservationFailed(2, 'dc-hamburg', teapots)).then([
      ev('StockReservationFailed'),
      timerCancelled(2),
      routeOrder(2, teapots, ['dc-hamburg'], 'SPLIT'),
      scheduled(3, 'ROUTING_REPLY', T0 + 30_000),
    ]);
    expect(state).toMatchObject({ shipments: [{ shipmentId: 'shp-1', stage: 'Reserved' }], compensations: [{ reservationId: 'ord-100/reservation/1' }] });
  });

  it('given the failed lines were re-routed, when the new plan is reserved, then one carrier request covers old and new shipments', () => {
    given(
      accepted('SPLIT'), splitPlan(), stockReserved(1, 'dc-berlin', berlin), reservationFailed(2, 'dc-hamburg', teapots),
      routed(2, [shipment('shp-3', 'dc-munich', teapots)]),
    ).when(stockReserved(3, 'dc-munich', teapots)).then([
      ev('StockReserved'),
      timerCancelled(4),
      selectCarrier([
        { shipmentId: 'shp-1', locationId: 'dc-berlin', weightGrams: 2650, value: '69.9900' },
        { shipmentId: 'shp-3', locationId: 'dc-munich', weightGrams: 0, value: '48.0000' },
      ]),
      scheduled(5, 'CARRIER_REPLY', T0 + 120_000),
    ]);
  });

  it('given a re-route after a lost race, when the new plan is in, then the excluded location is not asked again', () => {
    given(accepted(), routed(1, [shipment('shp-1', 'dc-berlin', allLines())]), reservationFailed(1, 'dc-berlin', allLines()))
      .when(routed(2, [shipment('shp-2', 'dc-hamburg', allLines())]))
      .then([ev('OrderRouted'), timerCancelled(3), reserveStock(2, 'dc-hamburg', allLines()), scheduled(4, 'RESERVATION_REPLY', T0 + 30_000)]);
  });

  it('given the automatic re-routes are used up, when the next race is lost, then operations are asked instead of routing again', () => {
    const policy = { ...defaultSagaPolicy, maxAutomaticReroutes: 1 };
    const { state } = givenWithPolicy(
      policy, accepted(), routed(1, [shipment('shp-1', 'dc-berlin', allLines())]), reservationFailed(1, 'dc-berlin', allLines()),
      routed(2, [shipment('shp-2', 'dc-hamburg', allLines())]),
    ).when(reservationFailed(2, 'dc-hamburg', allLines())).then([
      ev('StockReservationFailed'),
      timerCancelled(4),
      ev('OrderNeedsAttention', {
        sagaState: 'RESERVING', problem: 'RETRIES_EXHAUSTED', awaiting: null, attempts: 2,
        detail: 'Order ord-100: reservation race lost: KETTLE at dc-hamburg (0 of 1), MUG at dc-hamburg (0 of 4), TEAPOT at dc-hamburg (0 of 2); ' +
          '2 automatic re-routes used (limit 1). Still to place: 1 × KETTLE (line l1), 4 × MUG (line l2), 2 × TEAPOT (line l3). ' +
          'Re-route with other locations excluded, release to try again, or cancel.',
      }),
    ]);
    expect(state).toMatchObject({ status: 'NeedsAttention', excludedLocationIds: ['dc-berlin', 'dc-hamburg'] });
  });
});
