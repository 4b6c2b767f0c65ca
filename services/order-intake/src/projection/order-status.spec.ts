import { lifeEvent } from '../testing/events';
import { evolve, OrderProgress, summarise, TimelineEvent } from './order-status';

const accepted: OrderProgress = { status: 'ACCEPTED', ordered: { l1: 1, l2: 4 }, dispatched: {} };
const event = <T extends Parameters<typeof lifeEvent>[0]>(type: T, overrides: Parameters<typeof lifeEvent<T>>[2] = {}): TimelineEvent =>
  lifeEvent(type, 'ord-1', overrides) as TimelineEvent;

function given(...events: TimelineEvent[]): OrderProgress {
  return events.reduce(evolve, accepted);
}

describe('order status from the events of its life', () => {
  it('moves through routing, a hold and a release', () => {
    expect(given(event('OrderRouted')).status).toBe('IN_PROGRESS');
    expect(given(event('OrderRouted'), event('OrderHeld')).status).toBe('HELD');
    expect(given(event('OrderRouted'), event('OrderHeld'), event('OrderReleased')).status).toBe('IN_PROGRESS');
  });

  it('counts dispatched units per line: partly, then fully dispatched', () => {
    const first = event('ShipmentDispatched', { lines: [{ lineId: 'l1', sku: 'SKU-KETTLE', quantity: 1 }] });
    const second = event('ShipmentDispatched', { lines: [{ lineId: 'l2', sku: 'SKU-MUG', quantity: 4 }] });
    expect(given(first)).toEqual({ ...accepted, status: 'PARTIALLY_DISPATCHED', dispatched: { l1: 1 } });
    expect(given(first, second).status).toBe('DISPATCHED');
  });

  it('never goes back: events arriving late from another topic do not undo a later status', () => {
    expect(given(event('OrderCompleted'), event('ShipmentDispatched'), event('OrderRouted')).status).toBe('COMPLETED');
    expect(given(event('ShipmentDispatched'), event('FulfilmentAccepted'), event('OrderHeld')).status).toBe('PARTIALLY_DISPATCHED');
    expect(given(event('OrderCancelled'), event('OrderRouted')).status).toBe('CANCELLED');
  });

  it('cancels an order with nothing shipped; with something shipped only the remainder is cancelled', () => {
    expect(given(event('OrderRouted'), event('OrderCancelled')).status).toBe('CANCELLED');
    expect(given(event('ShipmentDispatched'), event('OrderCancelled')).status).toBe('PARTIALLY_DISPATCHED');
    expect(given(event('ShipmentDispatched'), event('OrderCancelled'), event('OrderCompleted')).status).toBe('COMPLETED');
  });

  it('leaves the status alone for a cancel request, a refused shipment or an escalation', () => {
    for (const type of ['CancelOrder', 'FulfilmentRejected', 'OrderNeedsAttention', 'OrderUnroutable'] as const) {
      expect(given(event('OrderRouted'), event(type)).status).toBe('IN_PROGRESS');
    }
  });

  it('summarises each event in a line, keeping internal escalation detail out', () => {
    expect(summarise(event('ShipmentDispatched'))).toBe('shipment shp-1 dispatched from dc-berlin with dhl EXPRESS_1200, tracking TRK-1');
    expect(summarise(event('OrderRouted'))).toBe('planned: 1 shipment from dc-berlin, 1 line back-ordered');
    expect(summarise(event('OrderNeedsAttention'))).toBe('delayed: the operations team is looking into it');
  });
});
