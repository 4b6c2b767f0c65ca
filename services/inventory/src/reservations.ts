import type { ReservationFailureReason, ReservationItem, ShortItem } from '@switchyard/contracts';
import { HeldItem, ItemChange } from '@switchyard/inventory-ledger';
import { EntityManager } from 'typeorm';

export interface StoredReservation {
  readonly reservationId: string;
  readonly orderId: string;
  readonly outcome: 'HELD' | 'FAILED';
  readonly failureReason: ReservationFailureReason | null;
  readonly shortItems: readonly ShortItem[] | null;
  readonly createdAt: Date;
  /** The items asked for, in the order sent; for a held reservation, with what has been released and dispatched. */
  readonly items: readonly HeldItem[];
}

const ITEM_COLUMNS = `i.reservation_id AS "reservationId", i.line_id AS "lineId", i.sku, i.location_id AS "locationId", i.quantity, i.released, i.dispatched`;

/** Reservations and their items (inventory.reservations, inventory.reservation_items), keyed by the saga's reservation id. */
export class Reservations {
  /**
   * Takes the reservation id for this command: true when it is new (its row stays locked until commit, so a
   * concurrent duplicate waits and then finds it), false when a reservation with this id exists.
   */
  async claim(entityManager: EntityManager, reservationId: string, orderId: string, causedBy: string): Promise<boolean> {
    const rows: unknown[] = await entityManager.query(
      `INSERT INTO inventory.reservations (reservation_id, order_id, outcome, caused_by) VALUES ($1, $2, 'HELD', $3)
       ON CONFLICT (reservation_id) DO NOTHING RETURNING reservation_id`,
      [reservationId, orderId, causedBy],
    );
    return rows.length === 1;
  }

  async addItems(entityManager: EntityManager, reservationId: string, items: readonly ReservationItem[]): Promise<void> {
    await entityManager.query(
      `INSERT INTO inventory.reservation_items (reservation_id, position, line_id, sku, location_id, quantity)
       SELECT $1, position, line_id, sku, location_id, quantity
       FROM unnest($2::text[], $3::text[], $4::text[], $5::int[]) WITH ORDINALITY AS i(line_id, sku, location_id, quantity, position)`,
      [reservationId, items.map((i) => i.lineId), items.map((i) => i.sku), items.map((i) => i.locationId), items.map((i) => i.quantity)],
    );
  }

  async markFailed(entityManager: EntityManager, reservationId: string, reason: ReservationFailureReason, shortItems: readonly ShortItem[]): Promise<void> {
    await entityManager.query(`UPDATE inventory.reservations SET outcome = 'FAILED', failure_reason = $2, short_items = $3::jsonb WHERE reservation_id = $1`, [
      reservationId,
      reason,
      JSON.stringify(shortItems),
    ]);
  }

  /** One reservation with its items; `lock` holds its row until commit (releases and dispatches of it wait). */
  async find(entityManager: EntityManager, reservationId: string, options: { lock: boolean }): Promise<StoredReservation | undefined> {
    const rows: Omit<StoredReservation, 'items'>[] = await entityManager.query(
      `SELECT reservation_id AS "reservationId", order_id AS "orderId", outcome, failure_reason AS "failureReason", short_items AS "shortItems", created_at AS "createdAt"
       FROM inventory.reservations WHERE reservation_id = $1 ${options.lock ? 'FOR UPDATE' : ''}`,
      [reservationId],
    );
    if (rows.length === 0) return undefined;
    const items: HeldItem[] = await entityManager.query(`SELECT ${ITEM_COLUMNS} FROM inventory.reservation_items i WHERE i.reservation_id = $1 ORDER BY i.position`, [reservationId]);
    return { ...rows[0], items };
  }

  /**
   * The items an order still holds at one location, oldest reservation first. Locks the order's held
   * reservations (in id order) so a release of the same reservation waits for this dispatch, or the reverse.
   */
  async heldAt(entityManager: EntityManager, orderId: string, locationId: string): Promise<HeldItem[]> {
    await entityManager.query(`SELECT 1 FROM inventory.reservations WHERE order_id = $1 AND outcome = 'HELD' ORDER BY reservation_id FOR UPDATE`, [orderId]);
    return entityManager.query(
      `SELECT ${ITEM_COLUMNS} FROM inventory.reservation_items i JOIN inventory.reservations r USING (reservation_id)
       WHERE r.order_id = $1 AND r.outcome = 'HELD' AND i.location_id = $2 AND i.quantity > i.released + i.dispatched
       ORDER BY r.created_at, r.reservation_id, i.position`,
      [orderId, locationId],
    );
  }

  /** Adds released or dispatched units to held items (the CHECK refuses more than was held). */
  async recordChanges(entityManager: EntityManager, changes: readonly ItemChange[], what: 'released' | 'dispatched'): Promise<void> {
    if (changes.length === 0) return;
    const column = what === 'released' ? 'released' : 'dispatched';
    await entityManager.query(
      `UPDATE inventory.reservation_items i SET ${column} = i.${column} + c.quantity
       FROM unnest($1::text[], $2::text[], $3::text[], $4::int[]) AS c(reservation_id, line_id, location_id, quantity)
       WHERE i.reservation_id = c.reservation_id AND i.line_id = c.line_id AND i.location_id = c.location_id`,
      [changes.map((c) => c.item.reservationId), changes.map((c) => c.item.lineId), changes.map((c) => c.item.locationId), changes.map((c) => c.quantity)],
    );
  }

  /** Records one parcel's dispatch: false when this fulfilment's parcel was already recorded. */
  async claimDispatch(entityManager: EntityManager, dispatch: { fulfilmentId: string; trackingNumber: string; orderId: string; locationId: string }): Promise<boolean> {
    const rows: unknown[] = await entityManager.query(
      `INSERT INTO inventory.dispatches (fulfilment_id, tracking_number, order_id, location_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (fulfilment_id, tracking_number) DO NOTHING RETURNING fulfilment_id`,
      [dispatch.fulfilmentId, dispatch.trackingNumber, dispatch.orderId, dispatch.locationId],
    );
    return rows.length === 1;
  }
}
