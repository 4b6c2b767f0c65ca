import type { DecodedEvent } from '@switchyard/contracts';
import { formatProgress, ProgressCounter } from './progress';

/** An event as the codec hands it over, with only the fields the counter reads. */
const event = (type: string, payload: Record<string, unknown>): DecodedEvent => ({ type, version: 1, fingerprint: '', payload }) as unknown as DecodedEvent;
const money = (amount: string) => ({ amount, currency: 'EUR' });
const routed = (orderId: string, costs: string[]) => event('OrderRouted', { orderId, plan: { shipments: costs.map((c) => ({ estimatedCost: money(c) })) } });

describe('progress counter', () => {
  it('counts each order once per stage, however often an event is redelivered', () => {
    const counter = new ProgressCounter();
    for (const e of [
      event('OrderReceived', { channel: 'web', channelOrderId: 'A' }),
      event('OrderReceived', { channel: 'web', channelOrderId: 'A' }),
      event('OrderReceived', { channel: 'web', channelOrderId: 'B' }),
      event('OrderAccepted', { orderId: 'o1', channel: 'web', channelOrderId: 'A' }),
      event('OrderAccepted', { orderId: 'o1', channel: 'web', channelOrderId: 'A' }),
      event('OrderRejected', { channel: 'web', channelOrderId: 'B' }),
      event('FulfilmentInstructed', { orderId: 'o1' }),
      event('FulfilmentInstructed', { orderId: 'o1' }),
      event('OrderCompleted', { orderId: 'o1' }),
    ]) {
      counter.apply(e);
    }
    expect(counter.snapshot()).toMatchObject({ received: 2, accepted: 1, rejected: 1, instructed: 1, completed: 1 });
  });

  it('takes the split rate and average cost from the first plan of each order', () => {
    const counter = new ProgressCounter();
    counter.apply(routed('o1', ['4.5000', '3.5000']));
    counter.apply(routed('o2', ['5.0000']));
    counter.apply(routed('o1', ['100.0000'])); // a later re-route of o1 does not count again
    const snapshot = counter.snapshot();
    expect(snapshot).toMatchObject({ routed: 2, split: 1, splitRate: 0.5, averageDecisionCost: 6.5, currency: 'EUR' });
    expect(formatProgress(snapshot)).toContain('routed 2');
    expect(formatProgress(snapshot)).toContain('split rate 50.0 % · avg decision cost 6.50 EUR');
  });

  it('holds an order until it is released, completed or cancelled', () => {
    const counter = new ProgressCounter();
    for (const id of ['o1', 'o2', 'o3']) counter.apply(event('OrderHeld', { orderId: id }));
    expect(counter.snapshot().held).toBe(3);
    counter.apply(event('OrderReleased', { orderId: 'o1' }));
    counter.apply(event('OrderCancelled', { orderId: 'o2' }));
    expect(counter.snapshot()).toMatchObject({ held: 1, cancelled: 1 });
    expect(formatProgress(counter.snapshot())).toContain('avg decision cost –');
  });
});
