import { StockHold, StockLevel, stockKey } from '@switchyard/inventory-ledger';
import { EntityManager } from 'typeorm';

/** One row of the ledger: a change of one SKU × location's balance and why. */
export interface StockMovement {
  readonly sku: string;
  readonly locationId: string;
  readonly movement: 'COUNTED' | 'RESERVED' | 'RELEASED' | 'DISPATCHED';
  readonly onHandDelta: number;
  readonly reservedDelta: number;
  readonly after: StockLevel;
  /** The location's own quantityDelta, on a count. */
  readonly reportedDelta?: number;
  readonly reason?: string;
  /** The location's document number, or the fulfilment id of a dispatch. */
  readonly reference?: string | null;
  readonly orderId?: string;
  readonly reservationId?: string;
  readonly note?: string;
  /** eventId of the message that caused it. */
  readonly causedBy: string;
}

/** A change of balances by deltas, applied to rows already locked. */
export interface BalanceChange {
  readonly sku: string;
  readonly locationId: string;
  readonly onHandDelta: number;
  readonly reservedDelta: number;
}

type Pair = Pick<StockLevel, 'sku' | 'locationId'>;

/** What TypeORM answers to an UPDATE on PostgreSQL: the returned rows and the count of changed rows. */
type Updated<T> = [T[], number];

const LEVEL_COLUMNS = `s.sku, s.location_id AS "locationId", s.on_hand AS "onHand", s.reserved`;

/**
 * The balances (inventory.stock_levels) and their ledger (inventory.stock_movements). Every writer locks the
 * rows it changes with `lock`, in one fixed order (SKU, then location, byte order), so writers touching
 * several rows wait for each other instead of deadlocking.
 */
export class StockLedger {
  /** Locks the rows of these SKU × locations and returns them; with `createMissing`, rows never seen start at 0. */
  async lock(entityManager: EntityManager, pairs: readonly Pair[], options: { createMissing: boolean }): Promise<Map<string, StockLevel>> {
    const skus = pairs.map((p) => p.sku);
    const locationIds = pairs.map((p) => p.locationId);
    if (options.createMissing) {
      await entityManager.query(
        `INSERT INTO inventory.stock_levels (sku, location_id, on_hand, reserved)
         SELECT sku, location_id, 0, 0 FROM unnest($1::text[], $2::text[]) AS p(sku, location_id)
         ORDER BY sku COLLATE "C", location_id COLLATE "C"
         ON CONFLICT (sku, location_id) DO NOTHING`,
        [skus, locationIds],
      );
    }
    const rows: StockLevel[] = await entityManager.query(
      `SELECT ${LEVEL_COLUMNS} FROM inventory.stock_levels s
       WHERE (s.sku, s.location_id) IN (SELECT sku, location_id FROM unnest($1::text[], $2::text[]) AS p(sku, location_id))
       ORDER BY s.sku COLLATE "C", s.location_id COLLATE "C"
       FOR UPDATE OF s`,
      [skus, locationIds],
    );
    return new Map(rows.map((row) => [stockKey(row.sku, row.locationId), row]));
  }

  /**
   * Adds the held units to reserved, all or nothing, in one conditional statement: a row changes only if the
   * units still fit in on hand − reserved − safety stock at that moment. Returns the new levels, or undefined
   * when some row did not fit (nothing may then be committed: the caller's transaction must roll back).
   */
  async hold(entityManager: EntityManager, holds: readonly (StockHold & { readonly safetyStock: number })[]): Promise<StockLevel[] | undefined> {
    const [rows]: Updated<StockLevel> = await entityManager.query(
      `UPDATE inventory.stock_levels s
       SET reserved = s.reserved + h.quantity, updated_at = now()
       FROM unnest($1::text[], $2::text[], $3::int[], $4::int[]) AS h(sku, location_id, quantity, safety_stock)
       WHERE s.sku = h.sku AND s.location_id = h.location_id
         AND s.on_hand - s.reserved - h.safety_stock >= h.quantity
       RETURNING ${LEVEL_COLUMNS}`,
      [holds.map((h) => h.sku), holds.map((h) => h.locationId), holds.map((h) => h.quantity), holds.map((h) => h.safetyStock)],
    );
    return rows.length === holds.length ? rows : undefined;
  }

  /** Applies deltas to locked rows (the CHECKs refuse any count going below 0) and returns the new levels. */
  async apply(entityManager: EntityManager, changes: readonly BalanceChange[]): Promise<Map<string, StockLevel>> {
    const [rows]: Updated<StockLevel> = await entityManager.query(
      `UPDATE inventory.stock_levels s
       SET on_hand = s.on_hand + c.on_hand_delta, reserved = s.reserved + c.reserved_delta, updated_at = now()
       FROM unnest($1::text[], $2::text[], $3::int[], $4::int[]) AS c(sku, location_id, on_hand_delta, reserved_delta)
       WHERE s.sku = c.sku AND s.location_id = c.location_id
       RETURNING ${LEVEL_COLUMNS}`,
      [changes.map((c) => c.sku), changes.map((c) => c.locationId), changes.map((c) => c.onHandDelta), changes.map((c) => c.reservedDelta)],
    );
    return new Map(rows.map((row) => [stockKey(row.sku, row.locationId), row]));
  }

  async record(entityManager: EntityManager, movements: readonly StockMovement[]): Promise<void> {
    if (movements.length === 0) return;
    const column = <T>(pick: (m: StockMovement) => T) => movements.map(pick);
    await entityManager.query(
      `INSERT INTO inventory.stock_movements
         (sku, location_id, movement, on_hand_delta, reserved_delta, on_hand_after, reserved_after, reported_delta, reason, reference, order_id, reservation_id, note, caused_by)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::int[], $6::int[], $7::int[], $8::int[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[])`,
      [
        column((m) => m.sku),
        column((m) => m.locationId),
        column((m) => m.movement),
        column((m) => m.onHandDelta),
        column((m) => m.reservedDelta),
        column((m) => m.after.onHand),
        column((m) => m.after.reserved),
        column((m) => m.reportedDelta ?? null),
        column((m) => m.reason ?? null),
        column((m) => m.reference ?? null),
        column((m) => m.orderId ?? null),
        column((m) => m.reservationId ?? null),
        column((m) => m.note ?? null),
        column((m) => m.causedBy),
      ],
    );
  }

  /** Every location's level of one SKU, by location. */
  async levelsOf(entityManager: EntityManager, sku: string): Promise<StockLevel[]> {
    return entityManager.query(`SELECT ${LEVEL_COLUMNS} FROM inventory.stock_levels s WHERE s.sku = $1 ORDER BY s.location_id COLLATE "C"`, [sku]);
  }
}
