import { outgoingMessages } from './messages';
import { accepted, carrierSelected, dispatched, q, routed, shipment, stockReserved, T0 } from './testing/fixtures';
import { completed, instructed, reserveStock, selectCarrier } from './testing/expected';
import { ev, given, scheduled, timerCancelled } from './testing/spec';

// No single location has all three lines: Berlin ships the kettle and mugs, Hamburg the teapots.
const berlin = [q('l1'), q('l2')];
const hamburg = [q('l3')];
const splitPlan = () => routed(1, [shipment('shp-1', 'dc-berlin', berlin), shipment('shp-2', 'dc-hamburg', hamburg)]);
const reservedBoth = () => [stockReserved(1, 'dc-berlin', berlin), stockReserved(2, 'dc-hamburg', hamburg)];
const throughCarrier = () => [accepted('SPLIT'), splitPlan(), ...reservedBoth(), carrierSelected(['shp-1', 'shp-2'])];

describe('split order: two locations, two shipments tracked independently', () => {
  it('given routing was asked, when it plans two shipments, then each gets its own reservation so each can be undone alone', () => {
    given(accepted('SPLIT')).when(splitPlan()).then([
      ev('OrderRouted'),
      timerCancelled(1),
      reserveStock(1, 'dc-berlin', berlin),
      reserveStock(2, 'dc-hamburg', hamburg),
      scheduled(2, 'RESERVATION_REPLY', T0 + 30_000),
    ]);
  });

  it('given two reservations were asked for, when only one is held, then the saga keeps waiting for the other', () => {
    const { state } = given(accepted('SPLIT'), splitPlan()).when(stockReserved(1, 'dc-berlin', berlin)).then([ev('StockReserved')]);
    expect(state).toMatchObject({ status: 'Reserving', shipments: [{ stage: 'Reserved' }, { stage: 'Reserving' }] });
  });

  it('given one reservation is held, when the second is held, then one carrier request covers both shipments', () => {
    given(accepted('SPLIT'), splitPlan(), stockReserved(1, 'dc-berlin', berlin)).when(stockReserved(2, 'dc-hamburg', hamburg)).then([
      ev('StockReserved'),
      timerCancelled(2),
      selectCarrier([
        { shipmentId: 'shp-1', locationId: 'dc-berlin', weightGrams: 2650, value: '69.9900' },
        { shipmentId: 'shp-2', locationId: 'dc-hamburg', weightGrams: 0, value: '48.0000' },
      ]),
      scheduled(3, 'CARRIER_REPLY', T0 + 120_000),
    ]);
  });

  it('given both are reserved, when carriers are chosen, then two FulfilmentInstructed go to two location topics', () => {
    const { events } = given(accepted('SPLIT'), splitPlan(), ...reservedBoth()).when(carrierSelected(['shp-1', 'shp-2'])).then([
      ev('CarrierSelected'),
      timerCancelled(3),
      instructed('shp-1', 'dc-berlin', berlin),
      scheduled(4, 'FULFILMENT_ACCEPTANCE', T0 + 30 * 60_000, 'shp-1'),
      instructed('shp-2', 'dc-hamburg', hamburg),
      scheduled(5, 'FULFILMENT_ACCEPTANCE', T0 + 30 * 60_000, 'shp-2'),
    ]);
    expect(outgoingMessages(events).map((m) => [m.topic, m.key, m.event.type])).toEqual([
      ['fulfilment.instructions.dc-berlin', 'ord-100', 'FulfilmentInstructed'],
      ['fulfilment.instructions.dc-hamburg', 'ord-100', 'FulfilmentInstructed'],
    ]);
  });

  it('given both are instructed, when the first is dispatched, then the order is partially dispatched and not complete', () => {
    const { state } = given(...throughCarrier()).when(dispatched('shp-2', 'dc-hamburg', hamburg)).then([ev('ShipmentDispatched'), timerCancelled(5)]);
    expect(state).toMatchObject({ status: 'PartiallyDispatched', shipments: [{ stage: 'Instructed' }, { stage: 'Dispatched' }] });
  });

  it('given one shipment left, when the other is dispatched, then the order completes with both', () => {
    given(...throughCarrier(), dispatched('shp-2', 'dc-hamburg', hamburg)).when(dispatched('shp-1', 'dc-berlin', berlin)).then([
      ev('ShipmentDispatched'),
      timerCancelled(4),
      completed([
        { fulfilmentId: 'shp-1', locationId: 'dc-berlin', lines: berlin },
        { fulfilmentId: 'shp-2', locationId: 'dc-hamburg', lines: hamburg },
      ]),
    ]);
  });
});
