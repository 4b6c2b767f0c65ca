import { instructedTime, OrderLedger, outcomeOf, type ObservedEvent } from './ledger';

let eventSeq = 0;
const ev = (type: string, occurredAt: number, payload: ObservedEvent['payload'], eventId = `e${++eventSeq}`): ObservedEvent => ({ type, eventId, occurredAt, payload });
const accepted = (orderId: string, channelOrderId: string, at: number, eventId?: string) => ev('OrderAccepted', at, { orderId, channel: 'web', channelOrderId }, eventId);
const routed = (orderId: string, at: number, shipments: number) => ev('OrderRouted', at, { orderId, plan: { shipments: Array.from({ length: shipments }, () => ({})) } });
const instructed = (orderId: string, fulfilmentId: string, at: number, eventId?: string) => ev('FulfilmentInstructed', at, { orderId, fulfilmentId }, eventId);
const completed = (orderId: string, at: number, eventId?: string) => ev('OrderCompleted', at, { orderId }, eventId);

/** The whole life of one order, received at `t`. */
function happyPath(ledger: OrderLedger, n: number, t: number): void {
  ledger.sent('web', `W-${n}`, t, t + 1);
  ledger.observe(accepted(`ord-${n}`, `W-${n}`, t + 10));
  ledger.observe(routed(`ord-${n}`, t + 30, 1));
  ledger.observe(instructed(`ord-${n}`, `f-${n}`, t + 50));
  ledger.observe(ev('ShipmentDispatched', t + 300, { orderId: `ord-${n}`, fulfilmentId: `f-${n}` }));
  ledger.observe(completed(`ord-${n}`, t + 310));
}

describe('the order ledger', () => {
  it('follows every order to completion and measures each stage from the intended and the actual send time', () => {
    const ledger = new OrderLedger();
    for (let n = 0; n < 100; n++) happyPath(ledger, n, 1_000 * n);
    const summary = ledger.summary();
    expect(summary.sent).toBe(100);
    expect(summary.outcomes).toEqual({ completed: 100, rejected: 0, cancelled: 0, parked: 0, refused: 0, lost: 0 });
    expect(summary.duplicates).toEqual([]);
    expect(summary.latencies.fromIntended.instructed).toMatchObject({ count: 100, p50: 50, p99: 50, max: 50 });
    expect(summary.latencies.fromSent.instructed).toMatchObject({ count: 100, p50: 49, max: 49 });
    expect(summary.latencies.fromIntended.completed.p99).toBe(310);
    expect(summary.latencies.fromIntended.accepted.p50).toBe(10);
    expect(ledger.inFlight()).toBe(0);
  });

  it('joins events read before the OrderAccepted that names the order (topics arrive in no fixed order)', () => {
    const ledger = new OrderLedger();
    ledger.sent('web', 'W-1', 0, 0);
    ledger.observe(instructed('ord-1', 'f-1', 40));
    ledger.observe(completed('ord-1', 300));
    expect(ledger.inFlight()).toBe(1); // not known to be ours yet
    ledger.observe(accepted('ord-1', 'W-1', 10));
    expect(ledger.inFlight()).toBe(0);
    expect(ledger.counts()).toMatchObject({ accepted: 1, instructed: 1, completed: 1, settled: 1 });
    expect(ledger.summary().outcomes.completed).toBe(1);
  });

  it('joins by the HTTP answer too, before any event', () => {
    const ledger = new OrderLedger();
    ledger.sent('web', 'W-1', 0, 0);
    ledger.answered('web', 'W-1', { orderId: 'ord-1' });
    ledger.observe(completed('ord-1', 300));
    ledger.observe(accepted('ord-1', 'W-1', 10));
    expect(ledger.summary().outcomes.completed).toBe(1);
    expect(ledger.summary().duplicates).toEqual([]);
  });

  it('calls an order without a terminal state lost, and says what was last seen', () => {
    const ledger = new OrderLedger();
    happyPath(ledger, 1, 0);
    ledger.sent('web', 'W-2', 0, 0);
    ledger.observe(accepted('ord-2', 'W-2', 10));
    ledger.observe(routed('ord-2', 20, 1));
    ledger.sent('web', 'W-3', 0, 0);
    const summary = ledger.summary();
    expect(summary.outcomes.lost).toBe(2);
    expect(summary.lostExamples).toEqual(['web/W-2 (order ord-2): last seen accepted, routed', 'web/W-3 (order unknown): no event at all']);
    expect(ledger.inFlight()).toBe(2);
  });

  it('counts rejected, cancelled and held (parked) orders as settled, each in its own column', () => {
    const ledger = new OrderLedger();
    ledger.sent('web', 'R', 0, 0);
    ledger.observe(ev('OrderRejected', 5, { orderId: 'ord-r', channel: 'web', channelOrderId: 'R' }));
    ledger.sent('web', 'C', 0, 0);
    ledger.observe(accepted('ord-c', 'C', 5));
    ledger.observe(ev('OrderCancelled', 50, { orderId: 'ord-c' }));
    ledger.sent('web', 'H', 0, 0);
    ledger.observe(accepted('ord-h', 'H', 5));
    ledger.observe(ev('OrderHeld', 40, { orderId: 'ord-h' }));
    ledger.sent('web', 'HR', 0, 0);
    ledger.observe(accepted('ord-hr', 'HR', 5));
    ledger.observe(ev('OrderHeld', 40, { orderId: 'ord-hr' }));
    ledger.observe(ev('OrderReleased', 60, { orderId: 'ord-hr' })); // released: in flight again
    ledger.sent('web', 'X', 0, 0);
    ledger.answered('web', 'X', { refused: 'HTTP 400' });
    expect(ledger.summary().outcomes).toEqual({ completed: 0, rejected: 1, cancelled: 1, parked: 1, refused: 1, lost: 1 });
    expect(ledger.inFlight()).toBe(1);
  });

  it('a partly cancelled order that then completes is completed', () => {
    expect(outcomeOf({ cancelledAt: 10, completedAt: 20 })).toBe('completed');
    expect(outcomeOf({ heldAt: 10, releasedAt: 20 })).toBe('lost');
    expect(outcomeOf({ heldAt: 30, releasedAt: 20 })).toBe('parked');
  });

  it('detects an order accepted twice, under two order ids or by two events', () => {
    const ledger = new OrderLedger();
    ledger.sent('web', 'W-1', 0, 0);
    ledger.observe(accepted('ord-1', 'W-1', 10));
    ledger.observe(accepted('ord-1b', 'W-1', 12));
    ledger.sent('web', 'W-2', 0, 0);
    ledger.observe(accepted('ord-2', 'W-2', 10, 'a'));
    ledger.observe(accepted('ord-2', 'W-2', 11, 'b'));
    expect(ledger.summary().duplicates.map((d) => [d.kind, d.orderId])).toEqual([
      ['order accepted twice', 'ord-1b'],
      ['order accepted twice', 'ord-2'],
    ]);
  });

  it('detects a fulfilment instructed twice, a shipment dispatched twice and an order completed twice', () => {
    const ledger = new OrderLedger();
    happyPath(ledger, 1, 0);
    ledger.observe(instructed('ord-1', 'f-1', 60));
    ledger.observe(ev('ShipmentDispatched', 320, { orderId: 'ord-1', fulfilmentId: 'f-1' }));
    ledger.observe(completed('ord-1', 330));
    expect(ledger.summary().duplicates.map((d) => d.kind)).toEqual(['fulfilment instructed twice', 'shipment dispatched twice', 'order completed twice']);
  });

  it('does not take the same event read again (at-least-once delivery) for a duplicate', () => {
    const ledger = new OrderLedger();
    ledger.sent('web', 'W-1', 0, 0);
    const acceptedOnce = accepted('ord-1', 'W-1', 10, 'same-accepted');
    ledger.observe(acceptedOnce);
    ledger.observe(acceptedOnce);
    ledger.observe(instructed('ord-1', 'f-1', 20, 'same-instruction'));
    ledger.observe(instructed('ord-1', 'f-1', 20, 'same-instruction'));
    ledger.observe(completed('ord-1', 30));
    const summary = ledger.summary();
    expect(summary.duplicates).toEqual([]);
    expect(summary.redelivered).toBe(2);
    expect(summary.outcomes.completed).toBe(1);
  });

  it('ignores orders of other runs', () => {
    const ledger = new OrderLedger();
    ledger.observe(accepted('ord-x', 'SOMEONE-ELSE', 10));
    ledger.observe(completed('ord-x', 20));
    expect(ledger.summary().sent).toBe(0);
    expect(ledger.summary().outcomes.completed).toBe(0);
  });

  it('times "instructed" at the instruction that completes the first plan', () => {
    const instructions = new Map([
      ['f-2', { at: 70, eventId: 'b' }],
      ['f-1', { at: 40, eventId: 'a' }],
      ['f-3', { at: 90, eventId: 'c' }],
    ]);
    expect(instructedTime({ instructions, plannedShipments: 2 })).toBe(70);
    expect(instructedTime({ instructions, plannedShipments: 3 })).toBe(90);
    expect(instructedTime({ instructions, plannedShipments: undefined })).toBe(90);
    expect(instructedTime({ instructions: new Map(), plannedShipments: 1 })).toBeUndefined();
  });

  it('refuses to track the same channel order twice (the order source must make unique ids)', () => {
    const ledger = new OrderLedger();
    ledger.sent('web', 'W-1', 0, 0);
    expect(() => ledger.sent('web', 'W-1', 0, 0)).toThrow('sent channel order web/W-1 twice');
  });
});
