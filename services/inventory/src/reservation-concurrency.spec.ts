import { randomUUID } from 'node:crypto';
import { EventPayload, ReservationItem } from '@switchyard/contracts';
import { availableToPromise, parseSafetyStockPolicy, safetyStockFor, stockKey } from '@switchyard/inventory-ledger';
import { Outbox, OutgoingEvent, silentLogger } from '@switchyard/messaging';
import { DataSource } from 'typeorm';
import { Inventory } from './inventory';
import { balances, openInventoryDatabase, send } from './testing/inventory-test-kit';
import { mulberry32 } from '@switchyard/random';

// 200 reservations at once, each its own transaction on its own connection (a pool of 50), competing for
// stock that covers a fraction of the demand: the all-or-nothing hold must never oversell.
const RESERVATIONS = 200;
const CONNECTIONS = 50;
const skus = ['A', 'B', 'C', 'D'].map((s) => `SKU-${s}`);
const locations = ['dc-north', 'dc-south'].map((l) => `${l}`);
const policy = parseSafetyStockPolicy(1, [`${locations[1]}=2`, `${skus[0]}@${locations[0]}=0`]);

// A deterministic generator, so a failing run can be repeated exactly.
const generator = mulberry32;

describe('200 concurrent reservations competing for scarce stock', () => {
  let dataSource: DataSource;
  let close: () => Promise<void>;
  const inventory = new Inventory(policy, silentLogger);
  const outbox = new Outbox({ schema: 'inventory' });
  const random = generator(20261127);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const initialOnHand = new Map<string, number>();
  const commands: EventPayload<'ReserveStock'>[] = [];
  // Every answer each reservation got: two for those sent twice.
  const answers = new Map<string, OutgoingEvent[][]>();
  let mostAtOnce = 0;

  beforeAll(async () => {
    ({ dataSource, close } = await openInventoryDatabase(CONNECTIONS));
    for (const sku of skus) {
      for (const locationId of locations) {
        const onHand = 4 + Math.floor(random() * 12);
        initialOnHand.set(stockKey(sku, locationId), onHand);
        await dataSource.transaction(async (em) => outbox.add(em, await inventory.count(em, send.count(sku, locationId, onHand).payload)));
      }
    }
    for (let n = 0; n < RESERVATIONS; n++) {
      const orderId = `order-${n}`;
      const items: ReservationItem[] = [];
      const lines = 1 + Math.floor(random() * 3);
      for (let line = 1; line <= lines; line++) {
        // Now and then two lines of one SKU at one location, which share its ATP.
        const previous = items[items.length - 1];
        const sameStock = previous !== undefined && random() < 0.15;
        items.push({
          lineId: `${line}`,
          sku: sameStock ? previous.sku : pick(skus),
          locationId: sameStock ? previous.locationId : pick(locations),
          quantity: 1 + Math.floor(random() * 3),
        });
      }
      commands.push(send.reserve(orderId, randomUUID(), items).payload);
    }

    let inFlight = 0;
    // Every tenth command is sent twice, side by side, as a saga retry racing its original.
    const sent = commands.flatMap((command, n) => (n % 10 === 0 ? [command, command] : [command]));
    const results = await Promise.allSettled(
      sent.map((command) =>
        dataSource.transaction(async (em) => {
          mostAtOnce = Math.max(mostAtOnce, ++inFlight);
          try {
            const events = await inventory.reserve(em, { ...command, metadata: { ...command.metadata, eventId: randomUUID() } });
            await outbox.add(em, events);
            answers.set(command.reservationId, [...(answers.get(command.reservationId) ?? []), events]);
          } finally {
            inFlight--;
          }
        }),
      ),
    );
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (rejected.length > 0) throw new Error(`${rejected.length} reservation transactions failed, e.g. ${String(rejected[0].reason)}`);
  });

  afterAll(async () => {
    await close?.();
  });

  const outcomes = () => {
    const held = commands.filter((c) => answers.get(c.reservationId)?.[0]?.[0]?.event.type === 'StockReserved');
    const failed = commands.filter((c) => answers.get(c.reservationId)?.[0]?.[0]?.event.type === 'StockReservationFailed');
    return { held, failed };
  };

  it('ran them really at once, each answered with one outcome, a re-sent one with the same outcome again', () => {
    expect(mostAtOnce).toBeGreaterThan(1);
    expect(answers.size).toBe(RESERVATIONS);
    commands.forEach((command, n) => {
      const got = answers.get(command.reservationId) ?? [];
      expect(got).toHaveLength(n % 10 === 0 ? 2 : 1);
      const [first, again] = got.map((events) => events[0].event);
      if (again) expect(again.payload).toEqual({ ...first.payload, metadata: again.payload.metadata });
    });
    const { held, failed } = outcomes();
    expect(held.length + failed.length).toBe(RESERVATIONS);
    const demand = commands.flatMap((c) => c.items).reduce((sum, item) => sum + item.quantity, 0);
    const supply = [...initialOnHand.values()].reduce((sum, n) => sum + n, 0);
    // The stock is really scarce and really contended: both outcomes happen.
    expect(demand).toBeGreaterThan(2 * supply);
    expect(held.length).toBeGreaterThan(0);
    expect(failed.length).toBeGreaterThan(0);
    console.log(`reservations: ${held.length} held, ${failed.length} failed; demand ${demand} units for ${supply} on hand; at most ${mostAtOnce} transactions at once`);
  });

  it('oversold nothing: per SKU × location, reserved ≤ on hand − safety stock, on hand untouched', async () => {
    const rows = await balances(dataSource, skus);
    expect(rows).toHaveLength(skus.length * locations.length);
    for (const row of rows) {
      expect(row.onHand).toBe(initialOnHand.get(stockKey(row.sku, row.locationId)));
      expect(row.reserved).toBeLessThanOrEqual(row.onHand - safetyStockFor(policy, row.sku, row.locationId));
    }
  });

  it('holds exactly the items of the held reservations, every one in full, and nothing of the failed ones', async () => {
    const { held } = outcomes();
    const expected = new Map<string, number>();
    for (const item of held.flatMap((c) => c.items)) expected.set(stockKey(item.sku, item.locationId), (expected.get(stockKey(item.sku, item.locationId)) ?? 0) + item.quantity);
    for (const row of await balances(dataSource, skus)) expect(row.reserved).toBe(expected.get(stockKey(row.sku, row.locationId)) ?? 0);
    for (const command of held) {
      const [[answer]] = answers.get(command.reservationId) ?? [[]];
      expect(answer?.event.payload).toMatchObject({ orderId: command.orderId, reservationId: command.reservationId, items: command.items });
    }
    const stored: { outcome: string; n: number }[] = await dataSource.query(`SELECT outcome, count(*)::int AS n FROM inventory.reservations GROUP BY outcome ORDER BY outcome`);
    expect(stored).toEqual([
      { outcome: 'FAILED', n: outcomes().failed.length },
      { outcome: 'HELD', n: held.length },
    ]);
  });

  it('names in each failure the lines that did not fit, with what was asked and what was available then', async () => {
    const finalAtp = new Map((await balances(dataSource, skus)).map((row) => [stockKey(row.sku, row.locationId), availableToPromise(row, safetyStockFor(policy, row.sku, row.locationId))]));
    for (const command of outcomes().failed) {
      const [[answer]] = answers.get(command.reservationId) ?? [[]];
      const failure = answer?.event.payload as EventPayload<'StockReservationFailed'>;
      expect(failure.reason).toBe('INSUFFICIENT_STOCK');
      expect(failure.shortItems.length).toBeGreaterThan(0);
      for (const short of failure.shortItems) {
        const line = command.items.find((item) => item.lineId === short.lineId);
        expect(line).toMatchObject({ sku: short.sku, locationId: short.locationId, quantity: short.requested });
        const key = stockKey(short.sku, short.locationId);
        const initialAtp = availableToPromise({ onHand: initialOnHand.get(key) ?? 0, reserved: 0 }, safetyStockFor(policy, short.sku, short.locationId));
        expect(short.available).toBeLessThan(short.requested);
        expect(short.available).toBeLessThanOrEqual(initialAtp);
        // Holds only grew during the run, so what was available then is at least what is available now
        // (less for a second line of the same SKU × location, which shares it with the first).
        const earlierLines = command.items.slice(0, command.items.indexOf(line as ReservationItem)).filter((i) => stockKey(i.sku, i.locationId) === key);
        if (earlierLines.length === 0) expect(short.available).toBeGreaterThanOrEqual(finalAtp.get(key) ?? 0);
      }
    }
  });

  it('explains every balance with its ledger, and no hold ever went past ATP on the way', async () => {
    for (const row of await balances(dataSource, skus)) {
      expect(row.ledgerOnHand).toBe(row.onHand);
      expect(row.ledgerReserved).toBe(row.reserved);
    }
    const holds: { sku: string; location_id: string; on_hand_after: number; reserved_after: number }[] = await dataSource.query(
      `SELECT sku, location_id, on_hand_after, reserved_after FROM inventory.stock_movements WHERE movement = 'RESERVED' AND sku = ANY($1) ORDER BY id`,
      [skus],
    );
    const { held } = outcomes();
    expect(holds).toHaveLength(held.reduce((n, c) => n + new Set(c.items.map((i) => stockKey(i.sku, i.locationId))).size, 0));
    for (const hold of holds) expect(hold.reserved_after).toBeLessThanOrEqual(hold.on_hand_after - safetyStockFor(policy, hold.sku, hold.location_id));
  });

  it('wrote one answer per command and one StockLevelChanged per SKU × location held (none for a re-send), in the same transactions', async () => {
    const rows: { event_type: string; n: number }[] = await dataSource.query(`SELECT event_type, count(*)::int AS n FROM inventory.messaging_outbox GROUP BY event_type ORDER BY event_type`);
    const { held } = outcomes();
    const changes = held.reduce((n, c) => n + new Set(c.items.map((i) => stockKey(i.sku, i.locationId))).size, 0);
    const answered = (type: string) => [...answers.values()].flat().filter((events) => events[0].event.type === type).length;
    expect(rows).toEqual([
      { event_type: 'StockLevelChanged', n: changes + skus.length * locations.length },
      { event_type: 'StockReservationFailed', n: answered('StockReservationFailed') },
      { event_type: 'StockReserved', n: answered('StockReserved') },
    ]);
  });
});

describe('the database itself refuses negative stock', () => {
  let dataSource: DataSource;
  let close: () => Promise<void>;
  const sku = `SKU-DB`;
  const locationId = `dc-db`;

  beforeAll(async () => {
    ({ dataSource, close } = await openInventoryDatabase(2));
    await dataSource.query(`INSERT INTO inventory.stock_levels (sku, location_id, on_hand, reserved) VALUES ($1, $2, 3, 2)`, [sku, locationId]);
  });

  afterAll(async () => {
    await close?.();
  });

  it('refuses reserving beyond on hand, even by a statement that bypasses the service', async () => {
    await expect(dataSource.query(`UPDATE inventory.stock_levels SET reserved = 4 WHERE sku = $1`, [sku])).rejects.toThrow(
      `reserving 2 more of ${sku} at ${locationId} would hold 4 units with only 3 on hand`,
    );
  });

  it('refuses negative on hand and negative reserved', async () => {
    await expect(dataSource.query(`UPDATE inventory.stock_levels SET on_hand = -1 WHERE sku = $1`, [sku])).rejects.toThrow(/stock_levels_on_hand_check/);
    await expect(dataSource.query(`UPDATE inventory.stock_levels SET reserved = -1 WHERE sku = $1`, [sku])).rejects.toThrow(/stock_levels_reserved_check/);
  });

  it('still lets a count take on hand below reserved (stock lost), and a release bring reserved down', async () => {
    await dataSource.query(`UPDATE inventory.stock_levels SET on_hand = 1 WHERE sku = $1`, [sku]);
    await dataSource.query(`UPDATE inventory.stock_levels SET reserved = 1 WHERE sku = $1`, [sku]);
    expect(await dataSource.query(`SELECT on_hand, reserved FROM inventory.stock_levels WHERE sku = $1`, [sku])).toEqual([{ on_hand: 1, reserved: 1 }]);
  });

  it('keeps the ledger append-only', async () => {
    await dataSource.query(
      `INSERT INTO inventory.stock_movements (sku, location_id, movement, on_hand_delta, reserved_delta, on_hand_after, reserved_after) VALUES ($1, $2, 'COUNTED', 1, 0, 1, 0)`,
      [sku, locationId],
    );
    await expect(dataSource.query(`UPDATE inventory.stock_movements SET on_hand_delta = 5`)).rejects.toThrow('inventory.stock_movements is append-only: record a new movement instead of update of an old one');
    await expect(dataSource.query(`DELETE FROM inventory.stock_movements`)).rejects.toThrow(/append-only/);
  });
});
