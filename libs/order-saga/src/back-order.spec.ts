import {
  accepted, allLines, carrierSelected, dispatched, q, rerouteOrder, routed, shipment, stockLevelChanged, stockReserved, T0, timerElapsed, unroutable,
} from './testing/fixtures';
import { completed, instructed, reserveStock, routeOrder, selectCarrier } from './testing/expected';
import { ev, given, scheduled, timerCancelled } from './testing/spec';

const REVIEW = 6 * 3_600_000;
const berlin = [q('l1'), q('l2')];
const teapots = [q('l3')];
const partialPlan = () => routed(1, [shipment('shp-1', 'dc-berlin', berlin)], teapots);

describe('back-order policy HOLD: the order ships whole or waits', () => {
  it('given routing was asked, when no location has stock, then the order is held for stock with a review deadline', () => {
    const { state } = given(accepted('HOLD')).when(unroutable(1, allLines())).then([
      ev('OrderUnroutable'),
      timerCancelled(1),
      ev('OrderHeld', { reason: 'AWAITING_STOCK', heldLines: allLines(), heldBy: null, reviewAt: T0 + REVIEW }),
      scheduled(2, 'BACK_ORDER_REVIEW', T0 + REVIEW),
    ]);
    expect(state).toMatchObject({ status: 'BackOrdered', heldLines: allLines() });
  });

  it('given routing was asked, when the plan leaves a line out, then the partial plan is declined and nothing is reserved', () => {
    given(accepted('HOLD')).when(partialPlan()).then([
      ev('OrderRouted'),
      timerCancelled(1),
      ev('OrderHeld', { reason: 'AWAITING_STOCK', heldLines: allLines(), heldBy: null, reviewAt: T0 + REVIEW }),
      scheduled(2, 'BACK_ORDER_REVIEW', T0 + REVIEW),
    ]);
  });

  it('given the order is back-ordered, when stock of a held SKU arrives, then it is released and routed again', () => {
    const { state } = given(accepted('HOLD'), unroutable(1, allLines())).when(stockLevelChanged('TEAPOT', 'dc-berlin', 12, T0 + 1000)).then([
      timerCancelled(2),
      ev('OrderReleased', { releasedBy: null, note: '12 × TEAPOT available to promise at dc-berlin' }),
      routeOrder(2, allLines()),
      scheduled(3, 'ROUTING_REPLY', T0 + 1000 + 30_000),
    ]);
    expect(state).toMatchObject({ status: 'Routing', heldLines: [] });
  });

  it('given the order was released after stock arrived, when it is routed, reserved, instructed and dispatched, then it completes', () => {
    given(
      accepted('HOLD'), unroutable(1, allLines()), stockLevelChanged('TEAPOT', 'dc-berlin', 12),
      routed(2, [shipment('shp-9', 'dc-berlin', allLines())]), stockReserved(1, 'dc-berlin', allLines()), carrierSelected(['shp-9']),
    ).when(dispatched('shp-9', 'dc-berlin', allLines())).then([
      ev('ShipmentDispatched'),
      timerCancelled(6),
      completed([{ fulfilmentId: 'shp-9', locationId: 'dc-berlin', lines: allLines() }]),
    ]);
  });

  it('given the order is back-ordered, when another SKU becomes available or the held SKU has nothing to promise, then nothing happens', () => {
    const spec = given(accepted('HOLD'), unroutable(1, [q('l3')]));
    spec.when(stockLevelChanged('SPOON', 'dc-berlin', 5)).thenNothing();
    spec.when(stockLevelChanged('TEAPOT', 'dc-berlin', 0)).thenNothing();
  });

  it('given the order is back-ordered, when the review deadline passes, then it is released and routed again', () => {
    given(accepted('HOLD'), unroutable(1, allLines())).when((h) => timerElapsed(h.timer('BACK_ORDER_REVIEW'), T0 + REVIEW)).then([
      ev('TimerElapsed'),
      ev('OrderReleased', { releasedBy: null, note: 'back-order review: routing 1 × KETTLE (line l1), 4 × MUG (line l2), 2 × TEAPOT (line l3) again' }),
      routeOrder(2, allLines()),
      scheduled(3, 'ROUTING_REPLY', T0 + REVIEW + 30_000),
    ]);
  });

  it('given routing cannot serve the destination at all, when it says so, then the order is held and operations are told', () => {
    const { state } = given(accepted('HOLD')).when(unroutable(1, allLines(), 'UNSERVICEABLE_DESTINATION')).then([
      ev('OrderUnroutable'),
      timerCancelled(1),
      ev('OrderHeld'),
      scheduled(2, 'BACK_ORDER_REVIEW', T0 + REVIEW),
      ev('OrderNeedsAttention', expect.objectContaining({ problem: 'UNROUTABLE', sagaState: 'ROUTING', awaiting: null, attempts: 1 })),
    ]);
    expect(state.status).toBe('NeedsAttention');
  });
});

describe('stock signals release a back-order only when they can help (no churn)', () => {
  // Routing placed the kettle and mugs but not the teapots: HOLD keeps every line waiting, yet only teapots are short.
  const teapotsShort = () => given(accepted('HOLD'), unroutable(1, teapots));
  const released = (note: string, now: number) => [
    timerCancelled(2),
    ev('OrderReleased', { releasedBy: null, note }),
    routeOrder(2, allLines()),
    scheduled(3, 'ROUTING_REPLY', now + 30_000),
  ];

  it('given only teapots blocked the order, then it waits with every line but only for teapots', () => {
    expect(teapotsShort().state).toMatchObject({ status: 'BackOrdered', heldLines: allLines(), shortLines: teapots });
  });

  it('given only teapots blocked the order, when stock of a line routing could place moves, then nothing happens', () => {
    const spec = teapotsShort();
    spec.when(stockLevelChanged('KETTLE', 'dc-berlin', 40)).thenNothing();
    spec.when(stockLevelChanged('MUG', 'dc-hamburg', 400)).thenNothing();
  });

  it('given only teapots blocked the order, when fewer teapots than it lacks become available, then nothing happens', () => {
    teapotsShort().when(stockLevelChanged('TEAPOT', 'dc-berlin', 1)).thenNothing();
  });

  it('given only teapots blocked the order, when enough teapots become available at one location, then it is released and routed again', () => {
    teapotsShort().when(stockLevelChanged('TEAPOT', 'dc-berlin', 2, T0 + 1000)).then(released('2 × TEAPOT available to promise at dc-berlin', T0 + 1000));
  });

  it('given a HOLD order declined a partial plan, when stock of a line the plan placed moves, then nothing happens; teapots release it', () => {
    const spec = given(accepted('HOLD'), partialPlan());
    spec.when(stockLevelChanged('KETTLE', 'dc-berlin', 3)).thenNothing();
    spec.when(stockLevelChanged('TEAPOT', 'dc-hamburg', 5, T0 + 1000)).then(released('5 × TEAPOT available to promise at dc-hamburg', T0 + 1000));
  });

  it('given the order excludes a location, when teapots arrive there, then nothing happens', () => {
    const spec = given(accepted('HOLD'), rerouteOrder(['dc-closed']), unroutable(2, teapots));
    spec.when(stockLevelChanged('TEAPOT', 'dc-closed', 9)).thenNothing();
  });

  it('given routing named no blocking line, then every held line counts as short (nothing is left waiting unwoken)', () => {
    expect(given(accepted('HOLD'), unroutable(1, [])).state).toMatchObject({ status: 'BackOrdered', heldLines: allLines(), shortLines: allLines() });
  });

  it('given a release that routing answered with teapots still short, when kettle stock moves again, then nothing happens (one release, not one per signal)', () => {
    const spec = given(accepted('HOLD'), unroutable(1, teapots), stockLevelChanged('TEAPOT', 'dc-berlin', 2), unroutable(2, teapots));
    expect(spec.state).toMatchObject({ status: 'BackOrdered', shortLines: teapots });
    spec.when(stockLevelChanged('KETTLE', 'dc-berlin', 7)).thenNothing();
    spec.when(stockLevelChanged('MUG', 'dc-berlin', 7)).thenNothing();
  });

  it('given PART_SHIP holds the teapots it could not place, when teapots arrive, then only the teapots are routed again', () => {
    given(accepted('PART_SHIP'), partialPlan(), stockReserved(1, 'dc-berlin', berlin), carrierSelected(['shp-1']), dispatched('shp-1', 'dc-berlin', berlin))
      .when(stockLevelChanged('TEAPOT', 'dc-hamburg', 2, T0 + 1000)).then([
        ev('TimerCancelled'),
        ev('OrderReleased', { releasedBy: null, note: '2 × TEAPOT available to promise at dc-hamburg' }),
        routeOrder(2, teapots, [], 'PART_SHIP'),
        ev('TimerScheduled'),
      ]);
  });
});

describe('back-order policy SPLIT: split across locations, but never ship part of the order', () => {
  it('given routing was asked, when even split the plan leaves a line out, then the order waits whole', () => {
    const { state } = given(accepted('SPLIT')).when(partialPlan()).then([
      ev('OrderRouted'),
      timerCancelled(1),
      ev('OrderHeld', { reason: 'AWAITING_STOCK', heldLines: allLines(), heldBy: null, reviewAt: T0 + REVIEW }),
      scheduled(2, 'BACK_ORDER_REVIEW', T0 + REVIEW),
    ]);
    expect(state).toMatchObject({ status: 'BackOrdered', shipments: [] });
  });
});

describe('back-order policy PART_SHIP: ship what is available, hold the rest', () => {
  it('given routing was asked, when the plan leaves a line out, then the rest is reserved and the missing line held', () => {
    given(accepted('PART_SHIP')).when(partialPlan()).then([
      ev('OrderRouted'),
      timerCancelled(1),
      ev('OrderHeld', { reason: 'AWAITING_STOCK', heldLines: teapots, heldBy: null, reviewAt: T0 + REVIEW }),
      scheduled(2, 'BACK_ORDER_REVIEW', T0 + REVIEW),
      reserveStock(1, 'dc-berlin', berlin),
      scheduled(3, 'RESERVATION_REPLY', T0 + 30_000),
    ]);
  });

  it('given the available part is reserved, when it is held, then it goes on to carrier selection while the rest waits', () => {
    given(accepted('PART_SHIP'), partialPlan()).when(stockReserved(1, 'dc-berlin', berlin)).then([
      ev('StockReserved'),
      timerCancelled(3),
      selectCarrier([{ shipmentId: 'shp-1', locationId: 'dc-berlin', weightGrams: 2650, value: '69.9900' }]),
      scheduled(4, 'CARRIER_REPLY', T0 + 120_000),
    ]);
  });

  it('given the available part is instructed, when it is dispatched, then the order is back-ordered, not complete', () => {
    const { state } = given(accepted('PART_SHIP'), partialPlan(), stockReserved(1, 'dc-berlin', berlin), carrierSelected(['shp-1']))
      .when(dispatched('shp-1', 'dc-berlin', berlin))
      .then([ev('ShipmentDispatched'), timerCancelled(5)]);
    expect(state).toMatchObject({ status: 'BackOrdered', heldLines: teapots });
  });

  it('given part shipped and teapots wait, when teapots arrive and go through, then the order completes with both shipments', () => {
    given(
      accepted('PART_SHIP'), partialPlan(), stockReserved(1, 'dc-berlin', berlin), carrierSelected(['shp-1']), dispatched('shp-1', 'dc-berlin', berlin),
      stockLevelChanged('TEAPOT', 'dc-hamburg', 2), routed(2, [shipment('shp-2', 'dc-hamburg', teapots)]), stockReserved(2, 'dc-hamburg', teapots),
      carrierSelected(['shp-2']),
    ).when(dispatched('shp-2', 'dc-hamburg', teapots)).then([
      ev('ShipmentDispatched'),
      timerCancelled(9),
      completed([{ fulfilmentId: 'shp-1', locationId: 'dc-berlin', lines: berlin }, { fulfilmentId: 'shp-2', locationId: 'dc-hamburg', lines: teapots }]),
    ]);
  });
});

describe('back-order policy CANCEL_UNAVAILABLE: ship what is available, cancel the rest', () => {
  it('given routing was asked, when the plan leaves a line out, then that line is cancelled and the rest reserved', () => {
    given(accepted('CANCEL_UNAVAILABLE')).when(partialPlan()).then([
      ev('OrderRouted'),
      timerCancelled(1),
      ev('LinesCancelled', { lines: teapots, reason: 'OUT_OF_STOCK' }),
      reserveStock(1, 'dc-berlin', berlin),
      scheduled(2, 'RESERVATION_REPLY', T0 + 30_000),
    ]);
  });

  it('given a line was cancelled, when the rest is dispatched, then the order completes naming the cancelled line', () => {
    given(accepted('CANCEL_UNAVAILABLE'), partialPlan(), stockReserved(1, 'dc-berlin', berlin), carrierSelected(['shp-1']))
      .when(dispatched('shp-1', 'dc-berlin', berlin))
      .then([ev('ShipmentDispatched'), timerCancelled(4), completed([{ fulfilmentId: 'shp-1', locationId: 'dc-berlin', lines: berlin }], teapots)]);
  });

  it('given routing was asked, when nothing is available anywhere, then the whole order is cancelled as out of stock', () => {
    const { state } = given(accepted('CANCEL_UNAVAILABLE')).when(unroutable(1, allLines())).then([
      ev('OrderUnroutable'),
      timerCancelled(1),
      ev('LinesCancelled', { lines: allLines(), reason: 'OUT_OF_STOCK' }),
      ev('OrderCancelled', {
        reason: 'OUT_OF_STOCK', cancelledLines: allLines(),
        detail: 'No location can supply any line, and the back-order policy CANCEL_UNAVAILABLE cancels unavailable lines.',
      }),
    ]);
    expect(state.status).toBe('Cancelled');
  });
});

describe('instructions of a split plan (sanity of the per-location topic)', () => {
  it('given a reserved shipment, when its carrier is chosen, then the instruction carries exactly its lines', () => {
    given(accepted('PART_SHIP'), partialPlan(), stockReserved(1, 'dc-berlin', berlin)).when(carrierSelected(['shp-1'])).then([
      ev('CarrierSelected'),
      timerCancelled(4),
      instructed('shp-1', 'dc-berlin', berlin),
      scheduled(5, 'FULFILMENT_ACCEPTANCE', T0 + 30 * 60_000, 'shp-1'),
    ]);
  });
});
