import { randomUUID } from 'node:crypto';
import { EventOf, EventPayload } from '@switchyard/contracts';
import { DeadLetterHeaders } from '@switchyard/messaging';
import { eventually, publish, testTransport, TopicReader, uniqueNamespace } from '@switchyard/service-kit/testing';
import { LOCATIONS, OrderLineInput, Spine } from './spine';

// The order spine end to end: seven services as separate processes on real Kafka and PostgreSQL. Orders go in
// through the public interfaces (HTTP, orders.received); instructions come out to the (simulated) warehouses;
// dispatches come back. Each scenario uses SKUs of its own.
const run = randomUUID().slice(0, 6);
const sku = (name: string): string => `E2E-${run}-${name}`;
const TERMINAL = ['COMPLETED', 'CANCELLED', 'REJECTED'];

describe('the order spine, end to end', () => {
  let spine: Spine;
  let reader: TopicReader;

  beforeAll(async () => {
    const namespace = uniqueNamespace('e2e-spine');
    // Long enough that a cancellation sent once an instruction is seen (four hops through Kafka and relays)
    // reaches the warehouse before it ships, also on a loaded machine; every order waits this out once.
    spine = await Spine.start(namespace, { dispatchDelayMs: 4_000 });
    reader = await TopicReader.start(testTransport(namespace), [
      'orders.lifecycle',
      'fulfilment.events',
      'orders.received.dlq',
      ...LOCATIONS.map((l) => `fulfilment.instructions.${l}`),
    ]);
  }, 300_000);

  afterAll(async () => {
    await reader?.stop();
    await spine?.stop();
  });

  async function stocked(stock: Array<[(typeof LOCATIONS)[number], string, number]>): Promise<void> {
    for (const [location, name, units] of stock) await spine.setStock(location, name, units);
    // Routing decides on its projection of inventory's stock levels: wait until it has them.
    for (const [location, name, units] of stock) {
      await eventually(async () => expect((await spine.routingAtp(name))[location]).toBe(units));
    }
  }

  async function place(lines: OrderLineInput[], channelOrderId = `web-${randomUUID()}`): Promise<string> {
    const response = await spine.placeOrder(channelOrderId, lines);
    // The body in the failure message: what intake said when it did not take the order.
    const text = await response.text();
    expect({ status: response.status, body: text }).toMatchObject({ status: 202 });
    return (JSON.parse(text) as { orderId: string }).orderId;
  }

  async function statusBecomes(orderId: string, status: string, timeoutMs = 120_000): Promise<void> {
    await eventually(async () => expect((await spine.order(orderId)).status).toBe(status), timeoutMs, 250);
  }

  const lifecycle = <T extends 'OrderAccepted' | 'OrderHeld' | 'OrderReleased' | 'OrderCompleted' | 'OrderCancelled' | 'OrderRejected'>(type: T, orderId: string): EventOf<T>[] =>
    reader.of(type, (p) => (p as EventPayload<T> & { orderId: string }).orderId === orderId);

  it('splits a 3-line order that no single location can fill across two locations, ships both, and completes', async () => {
    const [a, b, c] = [sku('SPLIT-A'), sku('SPLIT-B'), sku('SPLIT-C')];
    await stocked([
      ['dc-berlin', a, 5],
      ['dc-berlin', c, 5],
      ['dc-leipzig', b, 5],
    ]);

    const orderId = await place([
      { lineId: 'l1', sku: a, quantity: 2 },
      { lineId: 'l2', sku: b, quantity: 1 },
      { lineId: 'l3', sku: c, quantity: 3 },
    ]);
    await statusBecomes(orderId, 'COMPLETED');

    // Intake's view says COMPLETED; the reader reads the events on its own, from several topics: wait for them.
    await eventually(() => {
      expect(reader.of('FulfilmentInstructed', (p) => p.orderId === orderId).map((e) => e.payload.locationId).sort()).toEqual(['dc-berlin', 'dc-leipzig']);
      expect(reader.of('ShipmentDispatched', (p) => p.orderId === orderId)).toHaveLength(2);
      expect(lifecycle('OrderCompleted', orderId)).toHaveLength(1);
    });
    // Stock consumed exactly: what was shipped left on hand, nothing stays reserved.
    await eventually(async () => {
      expect((await spine.stock(a))['dc-berlin']).toEqual({ onHand: 3, reserved: 0 });
      expect((await spine.stock(b))['dc-leipzig']).toEqual({ onHand: 4, reserved: 0 });
      expect((await spine.stock(c))['dc-berlin']).toEqual({ onHand: 2, reserved: 0 });
    });
    const timeline = (await spine.order(orderId)).timeline.map((t) => t.event);
    expect(timeline).toEqual(expect.arrayContaining(['OrderAccepted', 'OrderRouted', 'ShipmentDispatched', 'OrderCompleted']));
    expect(timeline.filter((e) => e === 'ShipmentDispatched')).toHaveLength(2);
  });

  it('holds an order with no stock anywhere, releases it when stock arrives, and completes it', async () => {
    const held = sku('HELD');
    await spine.knowSkus([held]);

    const orderId = await place([{ lineId: 'l1', sku: held, quantity: 2 }]);
    await statusBecomes(orderId, 'HELD');
    await eventually(() => expect(lifecycle('OrderHeld', orderId)).toHaveLength(1));

    await spine.setStock('dc-munich', held, 4);
    await statusBecomes(orderId, 'COMPLETED');

    await eventually(() => {
      expect(lifecycle('OrderReleased', orderId).length).toBeGreaterThanOrEqual(1);
      expect(reader.of('ShipmentDispatched', (p) => p.orderId === orderId).map((e) => e.payload.locationId)).toEqual(['dc-munich']);
    });
    await eventually(async () => expect((await spine.stock(held))['dc-munich']).toEqual({ onHand: 2, reserved: 0 }));
  });

  it('re-routes to another location when a warehouse rejects the instruction', async () => {
    const rejected = sku('REJECT');
    await stocked([
      ['dc-berlin', rejected, 3],
      ['dc-munich', rejected, 3],
    ]);
    await spine.rejectNextInstruction('dc-berlin', rejected);

    const orderId = await place([{ lineId: 'l1', sku: rejected, quantity: 1 }]);
    await statusBecomes(orderId, 'COMPLETED');

    await eventually(() => {
      expect(reader.of('FulfilmentRejected', (p) => p.orderId === orderId).map((e) => e.payload.locationId)).toEqual(['dc-berlin']);
      expect(reader.of('ShipmentDispatched', (p) => p.orderId === orderId).map((e) => e.payload.locationId)).toEqual(['dc-munich']);
    });
    // Berlin's reservation was released; Munich's stock went out.
    await eventually(async () => {
      const levels = await spine.stock(rejected);
      expect(levels['dc-berlin']).toEqual({ onHand: 3, reserved: 0 });
      expect(levels['dc-munich']).toEqual({ onHand: 2, reserved: 0 });
    });
  });

  it('releases the stock of an order cancelled after its reservation, and refuses to cancel a dispatched one', async () => {
    const cancelled = sku('CANCEL');
    await stocked([['dc-berlin', cancelled, 4]]);

    const early = await place([{ lineId: 'l1', sku: cancelled, quantity: 3 }]);
    // Instructed means reserved and at the warehouse, not yet shipped (dispatch takes 4 s here).
    await eventually(() => expect(reader.of('FulfilmentInstructed', (p) => p.orderId === early)).toHaveLength(1));
    expect((await spine.cancelAsChannel(early)).status).toBe(202);
    await statusBecomes(early, 'CANCELLED');
    await eventually(async () => expect((await spine.stock(cancelled))['dc-berlin']).toEqual({ onHand: 4, reserved: 0 }));

    const late = await place([{ lineId: 'l1', sku: cancelled, quantity: 1 }]);
    await statusBecomes(late, 'COMPLETED');
    // Berlin dispatched the later order: a dispatch of the cancelled one, due earlier, would have been published
    // before it. Once the reader has read all that was published by then, its absence means something.
    await eventually(() => expect(reader.of('ShipmentDispatched', (p) => p.orderId === late)).toHaveLength(1));
    await reader.caughtUp();
    expect(reader.of('ShipmentDispatched', (p) => p.orderId === early)).toEqual([]);
    const refusal = await spine.cancelAsOperator(late);
    expect(refusal.status).toBe(409);
    expect(await refusal.text()).toMatch(new RegExp(`${late}[\\s\\S]*(dispatched|completed)`, 'i'));
    // The channel hears the same from intake, with the reason.
    const channelRefusal = await spine.cancelAsChannel(late);
    expect(channelRefusal.status).toBe(409);
    expect(await channelRefusal.text()).toMatch(/completed/i);
    expect(lifecycle('OrderCancelled', late)).toEqual([]);
  });

  it('makes one order of an OrderReceived sent three times, rejects an invalid one, and dead-letters bytes that are no event', async () => {
    const known = sku('DEDUPE');
    await stocked([['dc-leipzig', known, 10]]);
    const channelOrderId = `kafka-${randomUUID()}`;
    const received = (quantity: number): EventOf<'OrderReceived'> => ({
      type: 'OrderReceived',
      payload: {
        metadata: { eventId: randomUUID(), occurredAt: Date.now(), correlationId: channelOrderId, causationId: null },
        channel: 'web',
        channelOrderId,
        customer: { customerId: 'cus-kafka', tier: 'standard', priority: 0, contactReference: 'crm:kafka', email: null, locale: null },
        destination: { recipientName: 'Ana Lima', line1: 'Karl-Liebknecht-Str. 1', line2: null, city: 'Leipzig', region: null, postalCode: '04109', countryCode: 'DE', coordinates: null },
        serviceLevel: 'STANDARD',
        promisedDate: null,
        backOrderPolicy: null,
        market: null,
        lines: [{ lineId: 'l1', sku: known, quantity, unitWeightGrams: 300, unitPrice: { amount: '9.99', currency: 'EUR' } }],
      },
    });
    const transport = testTransport(spine.namespace);
    await publish(transport, [received(2), received(2), received(2)]);

    const accepted = await eventually(() => {
      const found = reader.of('OrderAccepted', (p) => p.channelOrderId === channelOrderId);
      expect(found).toHaveLength(1);
      return found[0] as EventOf<'OrderAccepted'>;
    });
    await statusBecomes(accepted.payload.orderId, 'COMPLETED');
    // A second order from the copies would have been accepted long before this one completed.
    await reader.caughtUp();
    expect(reader.of('OrderAccepted', (p) => p.channelOrderId === channelOrderId)).toHaveLength(1);

    const invalidId = `kafka-invalid-${randomUUID()}`;
    const invalid = received(0);
    await publish(transport, [{ type: 'OrderReceived', payload: { ...invalid.payload, channelOrderId: invalidId } }]);
    const rejection = await eventually(() => {
      const [found] = reader.of('OrderRejected', (p) => p.channelOrderId === invalidId);
      expect(found).toBeDefined();
      return found as EventOf<'OrderRejected'>;
    });
    expect(rejection.payload.reason).toBe('INVALID_ORDER');
    expect(rejection.payload.detail).toMatch(/lines\[0\]\.quantity/);

    const producer = transport.producer();
    await producer.connect();
    await producer.send([{ topic: 'orders.received', messages: [{ key: 'garbage', value: Buffer.from('{"not":"avro"}'), headers: {} }] }]);
    await producer.disconnect();
    const dead = await eventually(() => {
      const found = reader.received.find((m) => m.topic === 'orders.received.dlq');
      expect(found).toBeDefined();
      return found as (typeof reader.received)[number];
    });
    expect(dead.headers[DeadLetterHeaders.reason]).toBe('malformed:not-single-object-encoding');
    // The intake survived all of it and still takes orders.
    expect((await fetch(`${spine.url('order-intake')}/health`)).status).toBe(200);
  });

  it('lets 200 concurrent orders compete for scarce stock without overselling, each ending in exactly one state', async () => {
    const [scarceA, scarceB] = [sku('SCARCE-A'), sku('SCARCE-B')];
    const initial = { [scarceA]: { 'dc-berlin': 25, 'dc-leipzig': 10 }, [scarceB]: { 'dc-munich': 20 } } as Record<string, Record<string, number>>;
    await stocked([
      ['dc-berlin', scarceA, 25],
      ['dc-leipzig', scarceA, 10],
      ['dc-munich', scarceB, 20],
    ]);

    const orders: string[] = [];
    const wanted = Array.from({ length: 200 }, (_, i) => ({ sku: i % 3 === 0 ? scarceB : scarceA, quantity: 1 + (i % 2) }));
    // Twenty at a time over HTTP, as a busy channel would send them.
    for (let i = 0; i < wanted.length; i += 20) {
      orders.push(...(await Promise.all(wanted.slice(i, i + 20).map((w) => place([{ lineId: 'l1', ...w }])))));
    }

    const finalStates = await eventually(
      async () => {
        const states = await Promise.all(orders.map(async (id) => (await spine.order(id)).status));
        const pending = states.filter((s) => ![...TERMINAL, 'HELD'].includes(s));
        if (pending.length > 0) throw new Error(`${pending.length} of 200 orders still in flight (${[...new Set(pending)].join(', ')})`);
        return states;
      },
      300_000,
      1_000,
    );

    // Intake's states are final, but inventory applies the dispatches on its own and the reader reads them on its
    // own: both catch up with what the orders went through.
    await eventually(async () => {
      for (const name of [scarceA, scarceB]) {
        const levels = await spine.stock(name);
        const dispatched = reader
          .of('ShipmentDispatched', (p) => orders.includes(p.orderId))
          .flatMap((e) => e.payload.lines.filter((l) => l.sku === name).map((l) => ({ location: e.payload.locationId, units: l.quantity })));
        for (const [location, start] of Object.entries(initial[name] ?? {})) {
          const shipped = dispatched.filter((d) => d.location === location).reduce((sum, d) => sum + d.units, 0);
          expect(shipped).toBeLessThanOrEqual(start);
          expect(levels[location]).toEqual({ onHand: start - shipped, reserved: 0 });
        }
      }
    });
    const completed = finalStates.filter((s) => s === 'COMPLETED').length;
    const held = finalStates.filter((s) => s === 'HELD').length;
    expect(completed + held).toBe(200);
    expect(completed).toBeGreaterThan(0);
    expect(held).toBeGreaterThan(0);
    // Exactly one outcome each: no order both completed and cancelled, no instruction sent twice.
    await reader.caughtUp();
    for (const id of orders) expect(lifecycle('OrderCompleted', id).length + lifecycle('OrderCancelled', id).length).toBeLessThanOrEqual(1);
    const fulfilmentIds = reader.of('FulfilmentInstructed', (p) => orders.includes(p.orderId)).map((e) => e.payload.fulfilmentId);
    expect(new Set(fulfilmentIds).size).toBe(fulfilmentIds.length);
  });

  it('shuts every service down cleanly on SIGTERM', async () => {
    await reader.stop();
    reader = undefined as unknown as TopicReader;
    const codes = await spine.stop();
    spine = undefined as unknown as Spine;
    expect(codes).toEqual({
      inventory: 0,
      routing: 0,
      carrier: 0,
      'carrier-tablerate': 0,
      'warehouse-simulator': 0,
      orchestrator: 0,
      'order-intake': 0,
    });
  });
});
