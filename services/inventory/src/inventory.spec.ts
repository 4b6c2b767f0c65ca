import { randomUUID } from 'node:crypto';
import { EventPayload } from '@switchyard/contracts';
import { DeadLetterHeaders } from '@switchyard/messaging';
import { consumerStats, eventually, publish, publishRaw, TopicReader } from '@switchyard/service-kit/testing';
import { balances, InventoryUnderTest, send, startInventory } from './testing/inventory-test-kit';

// The service as deployed: commands and warehouse events in over Kafka, answers out over Kafka, state in its schema.
// Each describe block runs the service in a namespace of its own: every event it reads there is its own.
const north = 'dc-north';
const south = 'dc-south';
let skuCount = 0;
const newSku = () => `SKU-${++skuCount}`;
const newOrder = () => `order-${randomUUID().slice(0, 8)}`;
/** What the service publishes, and the commands' dead letters. */
const readService = (service: InventoryUnderTest) => TopicReader.start(service.first.transport, ['inventory.events', 'inventory.commands.dlq']);

describe('the inventory service over Kafka', () => {
  let service: InventoryUnderTest;
  let probe: TopicReader;

  beforeAll(async () => {
    // Default safety stock 1; none at the south location.
    service = await startInventory({ env: { INVENTORY_DEFAULT_SAFETY_STOCK: '1', INVENTORY_SAFETY_STOCK_RULES: `${south}=0` } });
    probe = await readService(service);
  });

  afterAll(async () => {
    await probe?.stop();
    await service?.close();
  });

  const stock = async (sku: string) => {
    const response = await fetch(`${service.url}/v1/stock/${encodeURIComponent(sku)}`);
    expect(response.status).toBe(200);
    return ((await response.json()) as { locations: { locationId: string; onHand: number; reserved: number; safetyStock: number; available: number }[] }).locations;
  };
  const reservation = async (id: string) => {
    const response = await fetch(`${service.url}/v1/reservations/${encodeURIComponent(id)}`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const levelOf = (sku: string, locationId: string) => (e: EventPayload<'StockLevelChanged'>) => e.sku === sku && e.locationId === locationId;
  const forReservation = (reservationId: string) => (e: { reservationId: string }) => e.reservationId === reservationId;
  /** Reserves one line of a new order and waits until the service holds it. */
  const holding = async (sku: string, locationId: string, quantity: number) => {
    const orderId = newOrder();
    const reservationId = randomUUID();
    await publish(service.first.transport, [send.reserve(orderId, reservationId, [{ lineId: '1', sku, locationId, quantity }])]);
    (await probe.waitFor('StockReserved', forReservation(reservationId))).map((e) => e.payload);
    return { orderId, reservationId };
  };
  /** Counts stock at locations and waits until the service has applied each count. */
  const counted = async (...counts: [sku: string, locationId: string, onHand: number][]) => {
    await publish(service.first.transport, [...counts.map(([sku, locationId, onHand]) => send.count(sku, locationId, onHand))]);
    for (const [sku, locationId, onHand] of counts) (await probe.waitFor('StockLevelChanged', (e) => levelOf(sku, locationId)(e) && e.onHand === onHand)).map((e) => e.payload);
  };

  it('turns a location count into on hand, with safety stock kept back, and tells routing', async () => {
    const sku = newSku();
    await publish(service.first.transport, [send.count(sku, north, 10), send.count(sku, south, 4)]);
    const [northLevel] = (await probe.waitFor('StockLevelChanged', levelOf(sku, north))).map((e) => e.payload);
    const [southLevel] = (await probe.waitFor('StockLevelChanged', levelOf(sku, south))).map((e) => e.payload);
    expect(northLevel).toMatchObject({ onHand: 10, reserved: 0, safetyStock: 1, available: 9 });
    expect(southLevel).toMatchObject({ onHand: 4, reserved: 0, safetyStock: 0, available: 4 });
    expect(await stock(sku)).toEqual([
      { locationId: north, onHand: 10, reserved: 0, safetyStock: 1, available: 9 },
      { locationId: south, onHand: 4, reserved: 0, safetyStock: 0, available: 4 },
    ]);
  });

  it('holds a whole plan across locations and answers StockReserved', async () => {
    const sku = newSku();
    const other = newSku();
    await counted([sku, north, 10], [other, south, 3]);
    const orderId = newOrder();
    const reservationId = randomUUID();
    const items = [
      { lineId: '1', sku, locationId: north, quantity: 6 },
      { lineId: '2', sku: other, locationId: south, quantity: 3 },
    ];
    await publish(service.first.transport, [send.reserve(orderId, reservationId, items)]);
    const [reserved] = (await probe.waitFor('StockReserved', forReservation(reservationId))).map((e) => e.payload);
    expect(reserved).toMatchObject({ orderId, reservationId, items });
    (await probe.waitFor('StockLevelChanged', (e) => levelOf(sku, north)(e) && e.reserved === 6)).map((e) => e.payload);
    expect(await stock(sku)).toEqual([{ locationId: north, onHand: 10, reserved: 6, safetyStock: 1, available: 3 }]);
    expect(await stock(other)).toEqual([{ locationId: south, onHand: 3, reserved: 3, safetyStock: 0, available: 0 }]);
    expect((await reservation(reservationId)).body).toMatchObject({ orderId, status: 'HELD', items: [{ lineId: '1', held: 6 }, { lineId: '2', held: 3 }] });
  });

  it('holds nothing when one item is short and names it with requested and available', async () => {
    const sku = newSku();
    const other = newSku();
    await counted([sku, north, 10], [other, north, 2]);
    const reservationId = randomUUID();
    await publish(service.first.transport, [send.reserve(newOrder(), reservationId, [
        { lineId: '1', sku, locationId: north, quantity: 5 },
        { lineId: '2', sku: other, locationId: north, quantity: 2 },
      ]),]);
    const [failed] = (await probe.waitFor('StockReservationFailed', forReservation(reservationId))).map((e) => e.payload);
    // Two on hand, one of them safety stock: one available.
    expect(failed).toMatchObject({ reason: 'INSUFFICIENT_STOCK', shortItems: [{ lineId: '2', sku: other, locationId: north, requested: 2, available: 1 }] });
    expect(await stock(sku)).toEqual([{ locationId: north, onHand: 10, reserved: 0, safetyStock: 1, available: 9 }]);
    expect((await reservation(reservationId)).body).toMatchObject({ status: 'FAILED', failureReason: 'INSUFFICIENT_STOCK', shortItems: failed.shortItems });
  });

  it('answers a re-sent ReserveStock with its first outcome and never holds twice', async () => {
    const sku = newSku();
    await counted([sku, south, 5]);
    const orderId = newOrder();
    const command = send.reserve(orderId, randomUUID(), [{ lineId: '1', sku, locationId: south, quantity: 4 }]);
    await publish(service.first.transport, [command]);
    (await probe.waitFor('StockReserved', forReservation(command.payload.reservationId))).map((e) => e.payload);
    // The saga's retry: the same command again, as a new message.
    await publish(service.first.transport, [{ ...command, payload: { ...command.payload, metadata: { ...command.payload.metadata, eventId: randomUUID() } } }]);
    const answers = (await probe.waitFor('StockReserved', forReservation(command.payload.reservationId), 2)).map((e) => e.payload);
    expect(answers[1]).toMatchObject({ orderId, items: command.payload.items });
    expect(await stock(sku)).toEqual([{ locationId: south, onHand: 5, reserved: 4, safetyStock: 0, available: 1 }]);
    const rows = await balances(service.first.service.dataSource, [sku]);
    expect(rows).toEqual([{ sku, locationId: south, onHand: 5, reserved: 4, ledgerOnHand: 5, ledgerReserved: 4 }]);

    // The same id for another plan is a saga bug: dead-lettered, naming both, and nothing more is held.
    await publish(service.first.transport, [send.reserve(orderId, command.payload.reservationId, [{ lineId: '1', sku, locationId: south, quantity: 1 }])]);
    const dead = await probe.deadLetter(orderId);
    expect(dead.headers[DeadLetterHeaders.error]).toBe(
      `ReserveStock ${command.payload.reservationId} of order ${orderId}: reservation ${command.payload.reservationId} already exists for order ${orderId} with other items; nothing more was held. Send a new plan with a new reservation id.`,
    );
    expect(await stock(sku)).toEqual([{ locationId: south, onHand: 5, reserved: 4, safetyStock: 0, available: 1 }]);
  });

  it('releases part of a reservation, then the rest, then answers a repeated or unknown release with nothing', async () => {
    const sku = newSku();
    await counted([sku, north, 8]);
    const { orderId, reservationId } = await holding(sku, north, 5);

    await publish(service.first.transport, [send.release(orderId, reservationId, [{ lineId: '1', sku, locationId: north, quantity: 2 }])]);
    const [part] = (await probe.waitFor('ReservationReleased', forReservation(reservationId))).map((e) => e.payload);
    expect(part.items).toEqual([{ lineId: '1', sku, locationId: north, quantity: 2 }]);
    expect(await stock(sku)).toEqual([{ locationId: north, onHand: 8, reserved: 3, safetyStock: 1, available: 4 }]);

    await publish(service.first.transport, [send.release(orderId, reservationId)]);
    const rest = (await probe.waitFor('ReservationReleased', forReservation(reservationId), 2)).map((e) => e.payload);
    expect(rest[1].items).toEqual([{ lineId: '1', sku, locationId: north, quantity: 3 }]);
    expect(await stock(sku)).toEqual([{ locationId: north, onHand: 8, reserved: 0, safetyStock: 1, available: 7 }]);
    expect((await reservation(reservationId)).body).toMatchObject({ status: 'RELEASED', items: [{ quantity: 5, released: 5, held: 0 }] });

    const unknown = randomUUID();
    await publish(service.first.transport, [send.release(orderId, reservationId), send.release(orderId, unknown)]);
    const again = (await probe.waitFor('ReservationReleased', forReservation(reservationId), 3)).map((e) => e.payload);
    expect(again[2].items).toEqual([]);
    const [nothing] = (await probe.waitFor('ReservationReleased', forReservation(unknown))).map((e) => e.payload);
    expect(nothing).toMatchObject({ orderId, items: [] });
    expect((await reservation(unknown)).status).toBe(404);
  });

  it('consumes the reservation on dispatch: on hand and reserved go down together', async () => {
    const sku = newSku();
    await counted([sku, north, 10]);
    const { orderId, reservationId } = await holding(sku, north, 4);
    const dispatched = send.dispatched(orderId, north, [{ lineId: '1', sku, quantity: 4 }]);
    await publish(service.first.transport, [dispatched]);
    const [after] = (await probe.waitFor('StockLevelChanged', (e) => levelOf(sku, north)(e) && e.onHand === 6)).map((e) => e.payload);
    expect(after).toMatchObject({ onHand: 6, reserved: 0, safetyStock: 1, available: 5 });
    expect((await reservation(reservationId)).body).toMatchObject({ status: 'DISPATCHED', items: [{ dispatched: 4, held: 0 }] });

    // The location sends the same parcel again (a new message): applied, but stock is taken once.
    const applied = () => service.first.service.dataSource.query(`SELECT count(*)::int AS n FROM inventory.messaging_inbox WHERE event_type = 'ShipmentDispatched'`);
    const [{ n: before }] = await applied();
    await publish(service.first.transport, [{ ...dispatched, payload: { ...dispatched.payload, metadata: { ...dispatched.payload.metadata, eventId: randomUUID() } } }]);
    await eventually(async () => expect(await applied()).toEqual([{ n: before + 1 }]));
    expect(await stock(sku)).toEqual([{ locationId: north, onHand: 6, reserved: 0, safetyStock: 1, available: 5 }]);
  });

  it('records a dispatch of more than was reserved, taking it off on hand, without failing', async () => {
    const sku = newSku();
    await counted([sku, south, 5]);
    const { orderId, reservationId } = await holding(sku, south, 2);
    await publish(service.first.transport, [send.dispatched(orderId, south, [{ lineId: '1', sku, quantity: 3 }])]);
    (await probe.waitFor('StockLevelChanged', (e) => levelOf(sku, south)(e) && e.onHand === 2)).map((e) => e.payload);
    expect(await stock(sku)).toEqual([{ locationId: south, onHand: 2, reserved: 0, safetyStock: 0, available: 2 }]);
    expect((await reservation(reservationId)).body).toMatchObject({ status: 'DISPATCHED', items: [{ quantity: 2, dispatched: 2, held: 0 }] });
    const [movement] = await service.first.service.dataSource.query(
      `SELECT on_hand_delta, reserved_delta, reference, note FROM inventory.stock_movements WHERE sku = $1 AND movement = 'DISPATCHED'`,
      [sku],
    );
    expect(movement).toEqual({ on_hand_delta: -3, reserved_delta: -2, reference: `${orderId}-${south}`, note: `1 of 3 shipped units were not reserved for order ${orderId} here` });
  });

  it('shows a count below what is reserved (stock lost) as ATP 0', async () => {
    const sku = newSku();
    await counted([sku, south, 6]);
    await holding(sku, south, 5);
    await publish(service.first.transport, [send.count(sku, south, 2, -4)]);
    const [lost] = (await probe.waitFor('StockLevelChanged', (e) => levelOf(sku, south)(e) && e.onHand === 2)).map((e) => e.payload);
    expect(lost).toMatchObject({ onHand: 2, reserved: 5, available: 0 });
    const [ledger] = await balances(service.first.service.dataSource, [sku]);
    expect(ledger).toEqual({ sku, locationId: south, onHand: 2, reserved: 5, ledgerOnHand: 2, ledgerReserved: 5 });
  });

  it('sends a message it cannot read to inventory.commands.dlq, saying why, and carries on', async () => {
    const key = 'broken';
    await publishRaw(service.first.transport, 'inventory.commands', key, Buffer.from('{"not":"avro"}'));
    const dead = await probe.deadLetter(key);
    expect(dead.headers[DeadLetterHeaders.reason]).toBe('malformed:not-single-object-encoding');
    expect(dead.headers[DeadLetterHeaders.originalTopic]).toBe('inventory.commands');
    const sku = newSku();
    await counted([sku, north, 1]);
  });

  it('dead-letters a ReserveStock it can never hold, naming the order, reservation and line', async () => {
    const orderId = newOrder();
    const reservationId = randomUUID();
    await publish(service.first.transport, [send.reserve(orderId, reservationId, [{ lineId: '7', sku: newSku(), locationId: north, quantity: 0 }])]);
    const dead = await probe.deadLetter(orderId);
    expect(dead.headers[DeadLetterHeaders.reason]).toBe('fatal-error');
    expect(dead.headers[DeadLetterHeaders.error]).toBe(
      `ReserveStock ${reservationId} of order ${orderId} cannot be held: line 7 (SKU-${skuCount} at ${north}) asks for 0 units; ask for 1 or more. Correct the command and send it with a new reservation id.`,
    );
    expect((await reservation(reservationId)).status).toBe(404);
  });

  it('answers 404 with what to do for an unknown SKU', async () => {
    const response = await fetch(`${service.url}/v1/stock/NOPE`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ message: `SKU NOPE has no stock record at any location; a location's StockAdjusted for it creates one.` });
  });
});

describe('200 concurrent orders through two instances of the service', () => {
  let service: InventoryUnderTest;
  let probe: TopicReader;

  beforeAll(async () => {
    service = await startInventory({ instances: 2 });
    probe = await readService(service);
  });

  afterAll(async () => {
    await probe?.stop();
    await service?.close();
  });

  it('answers every one, holds each in full or not at all, and oversells nothing', async () => {
    const skus = [newSku(), newSku()];
    const locations = [north, south];
    const pairs = skus.flatMap((sku) => locations.map((locationId) => ({ sku, locationId })));
    await publish(service.first.transport, [...pairs.map(({ sku, locationId }, i) => send.count(sku, locationId, 5 + i))]);
    for (const { sku, locationId } of pairs) (await probe.waitFor('StockLevelChanged', (e) => e.sku === sku && e.locationId === locationId)).map((e) => e.payload);

    const commands = Array.from({ length: 200 }, (_, n) =>
      send.reserve(newOrder(), randomUUID(), [
        { lineId: '1', ...pairs[n % pairs.length], quantity: 1 + (n % 2) },
        { lineId: '2', ...pairs[(n * 7 + 1) % pairs.length], quantity: 1 },
      ]),
    );
    await publish(service.first.transport, [...commands]);
    const ids = new Set(commands.map((c) => c.payload.reservationId));
    const answered = await eventually(() => {
      const held = probe.of('StockReserved', (e) => ids.has(e.reservationId)).map((e) => e.payload);
      const failed = probe.of('StockReservationFailed', (e) => ids.has(e.reservationId)).map((e) => e.payload);
      if (held.length + failed.length < commands.length) throw new Error(`${held.length + failed.length} of ${commands.length} answered`);
      return { held, failed };
    }, 120_000);
    expect(new Set([...answered.held, ...answered.failed].map((e) => e.reservationId)).size).toBe(commands.length);
    expect(answered.held.length).toBeGreaterThan(0);
    expect(answered.failed.length).toBeGreaterThan(0);
    // Both instances took their share: the handlers really ran side by side.
    for (const instance of service.instances) expect(consumerStats(instance.service).applied ?? 0).toBeGreaterThan(0);

    const heldIds = new Set(answered.held.map((e) => e.reservationId));
    const expected = new Map<string, number>();
    for (const item of commands.filter((c) => heldIds.has(c.payload.reservationId)).flatMap((c) => c.payload.items)) {
      expected.set(`${item.sku}@${item.locationId}`, (expected.get(`${item.sku}@${item.locationId}`) ?? 0) + item.quantity);
    }
    for (const row of await balances(service.first.service.dataSource, skus)) {
      expect(row.reserved).toBeLessThanOrEqual(row.onHand);
      expect(row.reserved).toBe(expected.get(`${row.sku}@${row.locationId}`) ?? 0);
      expect([row.ledgerOnHand, row.ledgerReserved]).toEqual([row.onHand, row.reserved]);
    }
    for (const failure of answered.failed) {
      for (const short of failure.shortItems) expect(short.available).toBeLessThan(short.requested);
    }
  });
});
