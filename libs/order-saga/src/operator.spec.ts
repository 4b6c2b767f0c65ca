import { defaultSagaPolicy } from './policy';
import {
  accepted, allLines, carrierFailed, carrierSelected, holdOrder, q, releaseOrder, reservationFailed, rerouteOrder, routed, shipment,
  stockLevelChanged, stockReserved, T0, unroutable,
} from './testing/fixtures';
import { releaseStock, reserveStock, routeOrder } from './testing/expected';
import { ev, given, givenWithPolicy, scheduled, timerCancelled } from './testing/spec';

const plan = () => routed(1, [shipment('shp-1', 'dc-berlin', allLines())]);

describe('operations: hold, release, re-route', () => {
  it('given routing was asked, when an operator holds the order, then its deadline stops and the hold is published with who and what', () => {
    const { state } = given(accepted()).when(holdOrder('ops-anna', 'fraud review')).then([
      ev('HoldOrder'),
      timerCancelled(1),
      ev('OrderHeld', { reason: 'OPERATOR_HOLD', heldLines: allLines(), heldBy: 'ops-anna', reviewAt: null }),
    ]);
    expect(state).toMatchObject({ status: 'OnHold', hold: { operatorId: 'ops-anna', reason: 'fraud review' } });
  });

  it('given the order is on hold, when the plan arrives, then it is kept but nothing is reserved', () => {
    const { state } = given(accepted(), holdOrder()).when(plan()).then([ev('OrderRouted')]);
    expect(state).toMatchObject({ status: 'OnHold', shipments: [{ stage: 'Planned' }] });
  });

  it('given a plan arrived during the hold, when the operator releases, then the saga reserves the plan', () => {
    const { state } = given(accepted(), holdOrder(), plan()).when(releaseOrder('ops-anna', 'customer verified')).then([
      ev('OrderReleased', { releasedBy: 'ops-anna', note: 'customer verified' }),
      reserveStock(1, 'dc-berlin', allLines()),
      scheduled(2, 'RESERVATION_REPLY', T0 + 30_000),
    ]);
    expect(state.status).toBe('Reserving');
  });

  it('given no plan arrived during the hold, when the operator releases, then routing is asked again with a fresh deadline', () => {
    given(accepted(), holdOrder()).when(releaseOrder()).then([
      ev('OrderReleased', { releasedBy: 'ops-anna', note: null }),
      routeOrder(1, allLines()),
      scheduled(2, 'ROUTING_REPLY', T0 + 30_000),
    ]);
  });

  it('given stock was reserved during a hold, when the operator releases, then carrier selection starts', () => {
    const { state } = given(accepted(), plan(), holdOrder(), stockReserved(1, 'dc-berlin', allLines())).when(releaseOrder()).then([
      ev('OrderReleased', { releasedBy: 'ops-anna', note: null }),
      ev('SelectCarrier'),
      scheduled(3, 'CARRIER_REPLY', T0 + 120_000),
    ]);
    expect(state.status).toBe('SelectingCarrier');
  });

  it('given a carrier is chosen during a hold, when it arrives, then nothing is instructed until the release asks again', () => {
    const { state } = given(accepted(), plan(), stockReserved(1, 'dc-berlin', allLines()), holdOrder()).when(carrierSelected(['shp-1'])).then([ev('CarrierSelected')]);
    expect(state).toMatchObject({ status: 'OnHold', shipments: [{ stage: 'Reserved' }] });
  });

  it('given the order is held, when an operator holds it again, then the request is refused naming who holds it', () => {
    given(accepted(), holdOrder('ops-anna', 'fraud review')).when(holdOrder('ops-ben')).thenRejects('ALREADY_ON_HOLD', 'Order ord-100', 'ops-anna', 'fraud review');
  });

  it('given every line is at its location, when an operator holds, then the request is refused: a hold cannot stop a warehouse', () => {
    given(accepted(), plan(), stockReserved(1, 'dc-berlin', allLines()), carrierSelected(['shp-1']))
      .when(holdOrder())
      .thenRejects('NOTHING_TO_HOLD', 'Order ord-100 is INSTRUCTED', 'dc-berlin', 'Cancel the order');
  });

  it('given the order is routing normally, when an operator releases it, then the request is refused: nothing is held', () => {
    given(accepted()).when(releaseOrder()).thenRejects('NOT_HELD', 'Order ord-100 is ROUTING', 'nothing to release');
  });

  it('given the order is back-ordered, when an operator releases it early, then it is routed again now', () => {
    given(accepted(), unroutable(1, allLines())).when(releaseOrder('ops-anna', 'supplier delivered')).then([
      timerCancelled(2),
      ev('OrderReleased', { releasedBy: 'ops-anna', note: 'supplier delivered' }),
      routeOrder(2, allLines()),
      scheduled(3, 'ROUTING_REPLY', T0 + 30_000),
    ]);
  });

  it('given the order is on hold and back-ordered, when stock arrives, then it stays held for the operator', () => {
    given(accepted(), unroutable(1, allLines()), holdOrder()).when(stockLevelChanged('MUG', 'dc-berlin', 10)).thenNothing();
  });

  it('given stock is reserved and carrier failed, when an operator re-routes avoiding Berlin, then Berlin stock is released and a new plan asked', () => {
    const { state } = given(accepted(), plan(), stockReserved(1, 'dc-berlin', allLines()), carrierFailed(['shp-1']))
      .when(rerouteOrder(['dc-berlin'], 'ops-anna', 'Berlin carrier hub closed'))
      .then([
        ev('RerouteOrder'),
        timerCancelled(4),
        releaseStock(1, 'dc-berlin', allLines(), 'REROUTED'),
        routeOrder(2, allLines(), ['dc-berlin']),
        scheduled(5, 'ROUTING_REPLY', T0 + 30_000),
      ]);
    expect(state).toMatchObject({ status: 'Routing', shipments: [], compensations: [], automaticReroutes: 0 });
  });

  it('given re-routes were used up, when an operator re-routes, then the budget starts again and routing is asked', () => {
    const policy = { ...defaultSagaPolicy, maxAutomaticReroutes: 0 };
    const { state } = givenWithPolicy(policy, accepted(), plan(), reservationFailed(1, 'dc-berlin', allLines()))
      .when(rerouteOrder(['dc-munich']))
      .then([ev('RerouteOrder'), routeOrder(2, allLines(), ['dc-berlin', 'dc-munich']), scheduled(3, 'ROUTING_REPLY', T0 + 30_000)]);
    expect(state).toMatchObject({ status: 'Routing', attention: null, automaticReroutes: 0 });
  });

  it('given a hold on a back-ordered order, when an operator re-routes, then the hold ends publicly and routing is asked', () => {
    given(accepted(), unroutable(1, [q('l3')]), holdOrder()).when(rerouteOrder()).then([
      ev('RerouteOrder'),
      ev('OrderReleased', { releasedBy: 'ops-anna', note: 're-routed: location closed' }),
      routeOrder(2, allLines()),
      scheduled(3, 'ROUTING_REPLY', T0 + 30_000),
    ]);
  });

  it('given every line is at its location, when an operator re-routes, then the request is refused with what to do instead', () => {
    given(accepted(), plan(), stockReserved(1, 'dc-berlin', allLines()), carrierSelected(['shp-1']))
      .when(rerouteOrder())
      .thenRejects('NOTHING_TO_REROUTE', 'Order ord-100 is INSTRUCTED', 'dc-berlin');
  });
});
