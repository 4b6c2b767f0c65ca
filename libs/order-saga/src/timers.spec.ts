import { defaultSagaPolicy } from './policy';
import {
  accepted, allLines, carrierSelected, dispatched, fulfilmentAccepted, routed, shipment, stockReserved, T0, timerElapsed,
} from './testing/fixtures';
import { reserveStock, routeOrder, selectCarrier } from './testing/expected';
import { ev, given, scheduled, timerId } from './testing/spec';

const S = 1_000;
const plan = () => routed(1, [shipment('shp-1', 'dc-berlin', allLines())]);
const routingTimer = (n: number, now: number) => timerElapsed(timerId(n), now);

describe('durable timers: every awaited reply has a deadline', () => {
  it('given routing was asked, when its deadline passes, then the same request is sent again with a new deadline', () => {
    const { state } = given(accepted()).when(routingTimer(1, T0 + 30 * S)).then([
      ev('TimerElapsed'),
      routeOrder(1, allLines()),
      scheduled(2, 'ROUTING_REPLY', T0 + 60 * S),
    ]);
    expect(state).toMatchObject({ status: 'Routing', step: { attempt: 1, tries: 2 } });
  });

  it('given routing missed every deadline, when the last one passes, then operations are asked and the request stays open', () => {
    const { state } = given(accepted(), routingTimer(1, T0 + 30 * S), routingTimer(2, T0 + 60 * S)).when(routingTimer(3, T0 + 90 * S)).then([
      ev('TimerElapsed'),
      ev('OrderNeedsAttention', {
        sagaState: 'ROUTING', problem: 'DEADLINE_MISSED', awaiting: 'OrderRouted', attempts: 3,
        detail: 'Order ord-100: routing did not answer RouteOrder within 30 s, 3 times; check the routing service, then release to retry.',
      }),
    ]);
    expect(state).toMatchObject({ status: 'Routing', timers: [], attention: { problem: 'DEADLINE_MISSED' } });
  });

  it('given routing escalated, when its plan arrives late, then the saga goes on and the escalation is over', () => {
    const { state } = given(accepted(), routingTimer(1, T0 + 30 * S), routingTimer(2, T0 + 60 * S), routingTimer(3, T0 + 90 * S))
      .when(plan())
      .then([ev('OrderRouted'), reserveStock(1, 'dc-berlin', allLines()), scheduled(4, 'RESERVATION_REPLY', T0 + 30 * S)]);
    expect(state).toMatchObject({ status: 'Reserving', attention: null });
  });

  it('given a reservation was asked for, when its deadline passes, then the same reservation id is asked again', () => {
    given(accepted(), plan()).when(timerElapsed(timerId(2), T0 + 30 * S)).then([
      ev('TimerElapsed'),
      reserveStock(1, 'dc-berlin', allLines()),
      scheduled(3, 'RESERVATION_REPLY', T0 + 60 * S),
    ]);
  });

  it('given reservations escalated, when only one of two answers, then the escalation stands until the last one does', () => {
    const split = () => routed(1, [shipment('shp-1', 'dc-berlin', allLines().slice(0, 2)), shipment('shp-2', 'dc-hamburg', allLines().slice(2))]);
    const escalated = () => [accepted('SPLIT'), split(), timerElapsed(timerId(2), T0 + 30 * S), timerElapsed(timerId(3), T0 + 60 * S), timerElapsed(timerId(4), T0 + 90 * S)];
    const { state } = given(...escalated()).when(stockReserved(1, 'dc-berlin', allLines().slice(0, 2))).then([ev('StockReserved')]);
    expect(state).toMatchObject({ status: 'Reserving', attention: { awaiting: 'StockReserved' } });
    const after = given(...escalated(), stockReserved(1, 'dc-berlin', allLines().slice(0, 2)))
      .when(stockReserved(2, 'dc-hamburg', allLines().slice(2)))
      .then([ev('StockReserved'), ev('SelectCarrier'), scheduled(5, 'CARRIER_REPLY', T0 + 120 * S)]);
    expect(after.state).toMatchObject({ status: 'SelectingCarrier', attention: null });
  });

  it('given a carrier was asked for, when its deadline passes, then carrier is asked again', () => {
    given(accepted(), plan(), stockReserved(1, 'dc-berlin', allLines())).when(timerElapsed(timerId(3), T0 + 120 * S)).then([
      ev('TimerElapsed'),
      selectCarrier([{ shipmentId: 'shp-1', locationId: 'dc-berlin', weightGrams: 2650, value: '117.9900' }]),
      scheduled(4, 'CARRIER_REPLY', T0 + 240 * S),
    ]);
  });

  it('given a location was instructed, when it does not accept in time, then operations are asked, the instruction is not sent twice and a new deadline watches it', () => {
    const { state } = given(accepted(), plan(), stockReserved(1, 'dc-berlin', allLines()), carrierSelected(['shp-1']))
      .when(timerElapsed(timerId(4), T0 + 1_800 * S))
      .then([
        ev('TimerElapsed'),
        ev('OrderNeedsAttention', expect.objectContaining({ problem: 'DEADLINE_MISSED', awaiting: 'FulfilmentAccepted', sagaState: 'INSTRUCTED' })),
        scheduled(5, 'FULFILMENT_ACCEPTANCE', T0 + 3_600 * S, 'shp-1'),
      ]);
    expect(state.status).toBe('NeedsAttention');
  });

  it('given the acceptance deadline escalated, when the location accepts after all, then the order is back to instructed', () => {
    const { state } = given(accepted(), plan(), stockReserved(1, 'dc-berlin', allLines()), carrierSelected(['shp-1']), timerElapsed(timerId(4), T0 + 1_800 * S))
      .when(fulfilmentAccepted('shp-1', 'dc-berlin', null, T0 + 2_000 * S))
      .then([ev('FulfilmentAccepted'), ev('TimerCancelled'), scheduled(6, 'DISPATCH', T0 + 2_000 * S + defaultSagaPolicy.replyDeadlineMs.dispatch, 'shp-1')]);
    expect(state).toMatchObject({ status: 'Instructed', attention: null });
  });

  it('given the location accepted, when dispatch is overdue, then operations are asked to call the location', () => {
    given(accepted(), plan(), stockReserved(1, 'dc-berlin', allLines()), carrierSelected(['shp-1']), fulfilmentAccepted('shp-1', 'dc-berlin', T0))
      .when(timerElapsed(timerId(5), T0 + 4 * 3_600 * S))
      .then([
        ev('TimerElapsed'),
        ev('OrderNeedsAttention', expect.objectContaining({ awaiting: 'ShipmentDispatched', detail: expect.stringContaining('call the location') })),
        scheduled(6, 'DISPATCH', T0 + 4 * 3_600 * S + defaultSagaPolicy.replyDeadlineMs.dispatch, 'shp-1'),
      ]);
  });

  it('given the routing deadline was cancelled by the reply, when the stale timer fires anyway, then nothing happens', () => {
    given(accepted(), plan()).when(routingTimer(1, T0 + 30 * S)).thenNothing();
  });

  it('given a timer already fired, when the service fires it again, then nothing happens', () => {
    const spec = given(accepted(), routingTimer(1, T0 + 30 * S));
    spec.when(timerElapsed(timerId(1), T0 + 31 * S)).thenNothing();
    spec.when(timerElapsed('ord-100/timer/99', T0 + 31 * S)).thenNothing();
  });

  it('given the order completed, when an old deadline fires, then nothing happens because none is live', () => {
    const { state } = given(accepted(), plan(), stockReserved(1, 'dc-berlin', allLines()), carrierSelected(['shp-1']), dispatched('shp-1', 'dc-berlin', allLines()))
      .when(timerElapsed(timerId(4), T0 + 1_800 * S))
      .thenNothing();
    expect(state).toMatchObject({ status: 'Completed', timers: [] });
  });

  it('given routing was asked, when the service asks which timers are live, then the state lists the deadline with its purpose', () => {
    const { state } = given().when(accepted()).then([ev('OrderAccepted'), routeOrder(1, allLines()), scheduled(1, 'ROUTING_REPLY', T0 + 30 * S)]);
    expect(state).toMatchObject({ timers: [{ timerId: timerId(1), purpose: 'ROUTING_REPLY', dueAt: T0 + 30 * S, shipmentId: null }] });
  });
});
