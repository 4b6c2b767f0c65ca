import { evolve, HANDLED_INPUTS_KEPT } from './evolve';
import { accepted, allLines, cancelOrder, intakeRejected, ORDER_ID, routed, shipment, stockLevelChanged, stockReserved, unroutable } from './testing/fixtures';
import { ev, given, History } from './testing/spec';
import { defaultSagaPolicy } from './policy';
import type { SagaState } from './state';
import type { SagaInput } from './inputs';

const plan = () => routed(1, [shipment('shp-1', 'dc-berlin', allLines())]);
const redelivered = <T extends SagaInput>(input: T): T => ({ ...input, now: input.now + 5_000 });

describe('duplicates: a redelivered input changes nothing', () => {
  it('given the order was accepted, when OrderAccepted is redelivered, then nothing happens', () => {
    const first = accepted();
    given(first).when(redelivered(first)).thenNothing();
  });

  it('given the order was accepted, when another OrderAccepted for it arrives, then nothing happens', () => {
    given(accepted()).when(accepted()).thenNothing();
  });

  it('given stock was reserved, when the same StockReserved is redelivered, then nothing happens', () => {
    const reply = stockReserved(1, 'dc-berlin', allLines());
    given(accepted(), plan(), reply).when(redelivered(reply)).thenNothing();
  });

  it('given stock was reserved, when inventory sends the reservation again under a new event id, then nothing happens', () => {
    given(accepted(), plan(), stockReserved(1, 'dc-berlin', allLines())).when(stockReserved(1, 'dc-berlin', allLines())).thenNothing();
  });

  it('given the order was cancelled, when the same CancelOrder is redelivered, then nothing happens and nothing is refused', () => {
    const cancel = cancelOrder();
    given(accepted(), cancel).when(redelivered(cancel)).thenNothing();
  });

  it('given stock arrival released the order, when the same stock signal is redelivered, then nothing happens', () => {
    const arrival = stockLevelChanged('MUG', 'dc-berlin', 4);
    given(accepted(), unroutable(1, allLines()), arrival).when(redelivered(arrival)).thenNothing();
  });

  it('given an order, when a reply for another order arrives, then nothing happens', () => {
    const stray = stockReserved(1, 'dc-berlin', allLines());
    given(accepted(), plan()).when({ ...stray, payload: { ...stray.payload, orderId: 'ord-other' } }).thenNothing();
  });

  it('given intake rejected the order, when it is accepted after all or cancelled, then nothing happens or it is refused', () => {
    const spec = given(intakeRejected());
    expect(spec.state).toEqual({ status: 'Rejected', orderId: ORDER_ID, handledInputIds: [expect.any(String)] });
    spec.when(accepted()).thenNothing();
    spec.when(cancelOrder()).thenRejects('ORDER_REJECTED', 'Order ord-100', 'rejected by intake');
  });

  it('given nothing, when intake rejects the order, then the rejection is recorded', () => {
    given().when(intakeRejected()).then([ev('OrderRejected')]);
  });

  it('given many handled inputs, when the record passes its bound, then the oldest ids are forgotten and the newest kept', () => {
    const start = new History(defaultSagaPolicy);
    start.handle(accepted());
    const count = HANDLED_INPUTS_KEPT + 5;
    const state = Array.from({ length: count }, (_, i) => i).reduce<SagaState>((s, i) => evolve(s, {
      type: 'TimerCancelled',
      payload: { metadata: { eventId: `out-${i}`, occurredAt: 0, correlationId: ORDER_ID, causationId: `later-${i}` }, orderId: ORDER_ID, timerId: 'none' },
    }), start.state);
    expect(state.handledInputIds).toHaveLength(HANDLED_INPUTS_KEPT);
    expect(state.handledInputIds[0]).toBe('later-5');
    expect(state.handledInputIds[HANDLED_INPUTS_KEPT - 1]).toBe(`later-${count - 1}`);
  });

  it('given a stock signal that changes nothing, when it is handled, then it is not remembered (only inputs with effects are)', () => {
    const spec = given(accepted(), plan());
    spec.when(stockLevelChanged('MUG', 'dc-berlin', 4)).thenNothing();
    expect(spec.state.handledInputIds).toHaveLength(2);
  });
});
