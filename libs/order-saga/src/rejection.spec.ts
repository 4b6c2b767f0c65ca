import { accepted, allLines, carrierSelected, dispatched, fulfilmentAccepted, fulfilmentRejected, q, routed, shipment, stockReserved, T0, timerElapsed } from './testing/fixtures';
import { completed, releaseStock, reserveStock, routeOrder } from './testing/expected';
import { ev, given, scheduled, timerCancelled, timerId } from './testing/spec';

const berlin = [q('l1'), q('l2')];
const hamburg = [q('l3')];
const instructedAtBerlin = () => [accepted(), routed(1, [shipment('shp-1', 'dc-berlin', allLines())]), stockReserved(1, 'dc-berlin', allLines()), carrierSelected(['shp-1'])];
const splitInstructed = () => [
  accepted('SPLIT'), routed(1, [shipment('shp-1', 'dc-berlin', berlin), shipment('shp-2', 'dc-hamburg', hamburg)]),
  stockReserved(1, 'dc-berlin', berlin), stockReserved(2, 'dc-hamburg', hamburg), carrierSelected(['shp-1', 'shp-2']),
];

describe('warehouse rejection or short pick: release that stock and re-route the remainder', () => {
  it('given the location was instructed, when it rejects everything, then its stock is released and the order re-routed elsewhere', () => {
    const { state } = given(...instructedAtBerlin()).when(fulfilmentRejected('shp-1', 'dc-berlin', allLines())).then([
      ev('FulfilmentRejected'),
      releaseStock(1, 'dc-berlin', allLines(), 'FULFILMENT_REJECTED'),
      timerCancelled(4),
      routeOrder(2, allLines(), ['dc-berlin']),
      scheduled(5, 'ROUTING_REPLY', T0 + 30_000),
    ]);
    expect(state).toMatchObject({ status: 'Routing', shipments: [], compensations: [] });
  });

  it('given the location accepted, when it rejects only the mugs, then only the mugs are released and re-routed; the kettle still ships from there', () => {
    const { state } = given(...instructedAtBerlin(), fulfilmentAccepted('shp-1', 'dc-berlin'))
      .when(fulfilmentRejected('shp-1', 'dc-berlin', [q('l2')], 'SHORT_PICK'))
      .then([
        ev('FulfilmentRejected'),
        releaseStock(1, 'dc-berlin', [q('l2')], 'FULFILMENT_REJECTED'),
        routeOrder(2, [q('l2')], ['dc-berlin']),
        scheduled(6, 'ROUTING_REPLY', T0 + 30_000),
      ]);
    expect(state).toMatchObject({
      shipments: [{ shipmentId: 'shp-1', stage: 'Accepted', lines: [q('l1'), q('l3')] }],
      compensations: [{ undo: 'ReleaseStock', items: [{ lineId: 'l1', quantity: 1 }, { lineId: 'l3', quantity: 2 }] }, { undo: 'CancelInstruction' }],
    });
  });

  it('given a split order, when one location rejects, then the other shipment is untouched and the rejected lines go elsewhere', () => {
    const { state } = given(...splitInstructed()).when(fulfilmentRejected('shp-2', 'dc-hamburg', hamburg, 'DAMAGED')).then([
      ev('FulfilmentRejected'),
      releaseStock(2, 'dc-hamburg', hamburg, 'FULFILMENT_REJECTED'),
      timerCancelled(5),
      routeOrder(2, hamburg, ['dc-hamburg'], 'SPLIT'),
      scheduled(6, 'ROUTING_REPLY', T0 + 30_000),
    ]);
    expect(state).toMatchObject({ shipments: [{ shipmentId: 'shp-1', stage: 'Instructed' }] });
  });

  it('given the rejected lines were re-routed, when the new plan arrives, then it is reserved while the first shipment stays at its location', () => {
    given(...splitInstructed(), fulfilmentRejected('shp-2', 'dc-hamburg', hamburg))
      .when(routed(2, [shipment('shp-3', 'dc-munich', hamburg)]))
      .then([ev('OrderRouted'), timerCancelled(6), reserveStock(3, 'dc-munich', hamburg), scheduled(7, 'RESERVATION_REPLY', T0 + 30_000)]);
  });

  it('given the other location missed its acceptance deadline, when the re-route plan arrives, then the saga still reserves it', () => {
    const { state } = given(...splitInstructed(), fulfilmentRejected('shp-2', 'dc-hamburg', hamburg), timerElapsed(timerId(4), T0 + 1_800_000))
      .when(routed(2, [shipment('shp-3', 'dc-munich', hamburg)]))
      .then([ev('OrderRouted'), timerCancelled(6), reserveStock(3, 'dc-munich', hamburg), scheduled(8, 'RESERVATION_REPLY', T0 + 30_000)]);
    expect(state).toMatchObject({ status: 'Reserving', attention: { awaiting: 'FulfilmentAccepted' } });
  });

  it('given a rejection was re-routed to a third location, when everything is dispatched, then the order completes with the two shipments that left', () => {
    given(
      ...splitInstructed(), fulfilmentRejected('shp-2', 'dc-hamburg', hamburg), routed(2, [shipment('shp-3', 'dc-munich', hamburg)]),
      stockReserved(3, 'dc-munich', hamburg), carrierSelected(['shp-3']), dispatched('shp-1', 'dc-berlin', berlin),
    ).when(dispatched('shp-3', 'dc-munich', hamburg)).then([
      ev('ShipmentDispatched'),
      timerCancelled(9),
      completed([{ fulfilmentId: 'shp-1', locationId: 'dc-berlin', lines: berlin }, { fulfilmentId: 'shp-3', locationId: 'dc-munich', lines: hamburg }]),
    ]);
  });

  it('given the location was instructed, when it dispatches fewer mugs than asked, then the unpicked mug is released and re-routed', () => {
    const shipped = [q('l1'), q('l2', 3), q('l3')];
    const { state } = given(...instructedAtBerlin()).when(dispatched('shp-1', 'dc-berlin', shipped)).then([
      ev('ShipmentDispatched'),
      timerCancelled(4),
      releaseStock(1, 'dc-berlin', [q('l2', 1)], 'FULFILMENT_REJECTED'),
      routeOrder(2, [q('l2', 1)], ['dc-berlin']),
      scheduled(5, 'ROUTING_REPLY', T0 + 30_000),
    ]);
    expect(state).toMatchObject({ status: 'Routing', compensations: [], shipments: [{ stage: 'Dispatched', lines: shipped }] });
  });
});
