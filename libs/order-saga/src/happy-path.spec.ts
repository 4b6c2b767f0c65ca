import { accepted, allLines, carrierSelected, dispatched, fulfilmentAccepted, routed, shipment, stockReserved, T0 } from './testing/fixtures';
import { completed, instructed, reserveStock, routeOrder, selectCarrier } from './testing/expected';
import { ev, given, scheduled, timerCancelled } from './testing/spec';

const HOUR = 3_600_000;
const oneShipment = () => routed(1, [shipment('shp-1', 'dc-berlin', allLines())]);

describe('happy path: one location ships the whole order', () => {
  it('given nothing, when intake accepts the order, then the saga asks routing for a plan and waits 30 s', () => {
    const { state } = given().when(accepted()).then([
      ev('OrderAccepted'),
      routeOrder(1, allLines()),
      scheduled(1, 'ROUTING_REPLY', T0 + 30_000),
    ]);
    expect(state.status).toBe('Routing');
  });

  it('given routing was asked, when it plans one shipment, then the saga reserves its stock at that location', () => {
    const { state } = given(accepted()).when(oneShipment()).then([
      ev('OrderRouted'),
      timerCancelled(1),
      reserveStock(1, 'dc-berlin', allLines()),
      scheduled(2, 'RESERVATION_REPLY', T0 + 30_000),
    ]);
    expect(state).toMatchObject({ status: 'Reserving', shipments: [{ shipmentId: 'shp-1', stage: 'Reserving' }] });
  });

  it('given stock was asked for, when inventory holds it, then the release is on the undo stack and carrier is asked', () => {
    const { state } = given(accepted(), oneShipment()).when(stockReserved(1, 'dc-berlin', allLines())).then([
      ev('StockReserved'),
      timerCancelled(2),
      // 1450 g + 4 × 300 g + teapots of unknown weight; 39.99 + 4 × 7.50 + 2 × 24.00.
      selectCarrier([{ shipmentId: 'shp-1', locationId: 'dc-berlin', weightGrams: 2650, value: '117.9900' }]),
      scheduled(3, 'CARRIER_REPLY', T0 + 120_000),
    ]);
    expect(state).toMatchObject({
      status: 'SelectingCarrier',
      compensations: [{ undo: 'ReleaseStock', reservationId: 'ord-100/reservation/1', shipmentId: 'shp-1' }],
    });
  });

  it('given a carrier was asked for, when it chooses one, then the location is instructed and its acceptance awaited', () => {
    const { state } = given(accepted(), oneShipment(), stockReserved(1, 'dc-berlin', allLines()))
      .when(carrierSelected(['shp-1']))
      .then([
        ev('CarrierSelected'),
        timerCancelled(3),
        instructed('shp-1', 'dc-berlin', allLines()),
        scheduled(4, 'FULFILMENT_ACCEPTANCE', T0 + 30 * 60_000, 'shp-1'),
      ]);
    expect(state).toMatchObject({
      status: 'Instructed',
      compensations: [{ undo: 'ReleaseStock' }, { undo: 'CancelInstruction', fulfilmentId: 'shp-1', locationId: 'dc-berlin' }],
    });
  });

  it('given the location was instructed, when it accepts with an expected dispatch time, then the saga waits until then plus grace', () => {
    const { state } = given(accepted(), oneShipment(), stockReserved(1, 'dc-berlin', allLines()), carrierSelected(['shp-1']))
      .when(fulfilmentAccepted('shp-1', 'dc-berlin', T0 + 2 * HOUR))
      .then([ev('FulfilmentAccepted'), timerCancelled(4), scheduled(5, 'DISPATCH', T0 + 6 * HOUR, 'shp-1')]);
    expect(state).toMatchObject({ status: 'Instructed', shipments: [{ stage: 'Accepted' }] });
  });

  it('given the location accepted, when the shipment is dispatched, then the order completes and nothing is left to undo', () => {
    const { state } = given(accepted(), oneShipment(), stockReserved(1, 'dc-berlin', allLines()), carrierSelected(['shp-1']), fulfilmentAccepted('shp-1', 'dc-berlin'))
      .when(dispatched('shp-1', 'dc-berlin', allLines()))
      .then([
        ev('ShipmentDispatched'),
        timerCancelled(5),
        completed([{ fulfilmentId: 'shp-1', locationId: 'dc-berlin', lines: allLines() }]),
      ]);
    expect(state).toMatchObject({ status: 'Completed', compensations: [], timers: [] });
  });

  it('given the location never sent FulfilmentAccepted, when the shipment is dispatched, then the order still completes', () => {
    const { state } = given(accepted(), oneShipment(), stockReserved(1, 'dc-berlin', allLines()), carrierSelected(['shp-1']))
      .when(dispatched('shp-1', 'dc-berlin', allLines()))
      .then([ev('ShipmentDispatched'), timerCancelled(4), completed([{ fulfilmentId: 'shp-1', locationId: 'dc-berlin', lines: allLines() }])]);
    expect(state.status).toBe('Completed');
  });
});
