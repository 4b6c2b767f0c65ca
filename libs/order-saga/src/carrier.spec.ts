import { defaultSagaPolicy } from './policy';
import { accepted, allLines, carrierFailed, carrierSelected, releaseOrder, routed, shipment, stockReserved, T0, timerElapsed } from './testing/fixtures';
import { instructed, selectCarrier } from './testing/expected';
import { ev, given, givenWithPolicy, scheduled, timerCancelled } from './testing/spec';

const RETRY = defaultSagaPolicy.carrierRetryDelayMs;
const toRate = [{ shipmentId: 'shp-1', locationId: 'dc-berlin', weightGrams: 2650, value: '117.9900' }];
const reserved = () => [accepted(), routed(1, [shipment('shp-1', 'dc-berlin', allLines())]), stockReserved(1, 'dc-berlin', allLines())];
const failedThrice = () => [
  ...reserved(), carrierFailed(['shp-1']), (h: { timer: (p: 'CARRIER_RETRY') => string }) => timerElapsed(h.timer('CARRIER_RETRY'), T0 + RETRY),
  carrierFailed(['shp-1']), (h: { timer: (p: 'CARRIER_RETRY') => string }) => timerElapsed(h.timer('CARRIER_RETRY'), T0 + 2 * RETRY),
];

describe('carrier selection failure: retry after a pause, then escalate', () => {
  it('given a carrier was asked for, when selection fails, then the saga waits and asks again later', () => {
    const { state } = given(...reserved()).when(carrierFailed(['shp-1'])).then([
      ev('CarrierSelectionFailed'),
      timerCancelled(3),
      scheduled(4, 'CARRIER_RETRY', T0 + RETRY),
    ]);
    expect(state).toMatchObject({ status: 'SelectingCarrier', step: { tries: 1 } });
  });

  it('given a retry is due, when its timer fires, then carrier is asked again with a fresh deadline', () => {
    const { state } = given(...reserved(), carrierFailed(['shp-1'])).when((h) => timerElapsed(h.timer('CARRIER_RETRY'), T0 + RETRY)).then([
      ev('TimerElapsed'),
      selectCarrier(toRate),
      scheduled(5, 'CARRIER_REPLY', T0 + RETRY + 120_000),
    ]);
    expect(state).toMatchObject({ step: { kind: 'SelectingCarrier', tries: 2 } });
  });

  it('given carrier failed on every try, when it fails the last time, then operations are asked and the stock stays reserved', () => {
    const { state } = given(...failedThrice()).when(carrierFailed(['shp-1'])).then([
      ev('CarrierSelectionFailed'),
      timerCancelled(7),
      ev('OrderNeedsAttention', expect.objectContaining({ sagaState: 'SELECTING_CARRIER', problem: 'RETRIES_EXHAUSTED', awaiting: 'CarrierSelected', attempts: 3 })),
    ]);
    expect(state).toMatchObject({ status: 'SelectingCarrier', attention: { problem: 'RETRIES_EXHAUSTED' }, compensations: [{ undo: 'ReleaseStock' }] });
  });

  it('given carrier selection escalated, when an operator releases, then carrier is asked again with a fresh try budget', () => {
    const { state } = given(...failedThrice(), carrierFailed(['shp-1'])).when(releaseOrder('ops-ben', 'dhl is back')).then([
      ev('OrderReleased', { releasedBy: 'ops-ben', note: 'dhl is back' }),
      selectCarrier(toRate),
      scheduled(8, 'CARRIER_REPLY', T0 + 120_000),
    ]);
    expect(state).toMatchObject({ status: 'SelectingCarrier', attention: null, step: { tries: 1 } });
  });

  it('given carrier selection escalated, when a carrier answers after all, then the order goes on and the escalation is over', () => {
    const { state } = given(...failedThrice(), carrierFailed(['shp-1'])).when(carrierSelected(['shp-1'])).then([
      ev('CarrierSelected'),
      instructed('shp-1', 'dc-berlin', allLines()),
      scheduled(8, 'FULFILMENT_ACCEPTANCE', T0 + 30 * 60_000, 'shp-1'),
    ]);
    expect(state).toMatchObject({ status: 'Instructed', attention: null });
  });

  it('given a carrier request for two shipments, when only one gets a carrier, then that one is instructed and the other retried', () => {
    const berlin = allLines().slice(0, 2);
    const hamburg = allLines().slice(2);
    given(
      accepted('SPLIT'), routed(1, [shipment('shp-1', 'dc-berlin', berlin), shipment('shp-2', 'dc-hamburg', hamburg)]),
      stockReserved(1, 'dc-berlin', berlin), stockReserved(2, 'dc-hamburg', hamburg),
    ).when(carrierSelected(['shp-1'])).then([
      ev('CarrierSelected'),
      timerCancelled(3),
      instructed('shp-1', 'dc-berlin', berlin),
      scheduled(4, 'FULFILMENT_ACCEPTANCE', T0 + 30 * 60_000, 'shp-1'),
      scheduled(5, 'CARRIER_RETRY', T0 + RETRY),
    ]);
  });

  it('given a one-try policy, when the carrier times out, then it escalates at once', () => {
    const policy = { ...defaultSagaPolicy, maxTries: { ...defaultSagaPolicy.maxTries, carrierSelection: 1 } };
    givenWithPolicy(policy, ...reserved()).when((h) => timerElapsed(h.timer('CARRIER_REPLY'), T0 + 120_000)).then([
      ev('TimerElapsed'),
      ev('OrderNeedsAttention', expect.objectContaining({ problem: 'DEADLINE_MISSED', awaiting: 'CarrierSelected', attempts: 1 })),
    ]);
  });
});
