import type { EventPayload, LineQuantity } from '@switchyard/contracts';
import { EntityManager } from 'typeorm';

/** Why a planned shipment gave its capacity back (routing.planned_shipments.release_reason). */
export type ReleaseReason = 'ORDER_CANCELLED' | 'RESERVATION_FAILED' | 'RESERVATION_RELEASED' | 'FULFILMENT_REJECTED' | 'FULFILMENT_CANCELLED' | 'SUPERSEDED';

/** What an event changed: the shipments it released, and those it counted again (a plan that went ahead after all). */
export type CapacityChange = { readonly released: readonly string[]; readonly restored: readonly string[] };

const NOTHING: CapacityChange = { released: [], restored: [] };

/** One planned shipment of an order, with what the plan put in it. */
type ShipmentRow = {
  shipment_id: string;
  attempt: number;
  location_id: string;
  reservation_id: string | null;
  dispatched: boolean;
  release_reason: ReleaseReason | null;
  plan: EventPayload<'OrderRouted'>['plan'];
};

/** A planned shipment with its decision's attempt and plan (ShipmentRow). */
const SHIPMENTS = `SELECT s.shipment_id, d.attempt, s.location_id, s.reservation_id, s.dispatched, s.release_reason, d.plan
  FROM routing.planned_shipments s JOIN routing.decisions d ON d.decision_id = s.decision_id`;

const linesOf = (row: ShipmentRow): readonly LineQuantity[] => row.plan.shipments.find((s) => s.shipmentId === row.shipment_id)?.lines ?? [];

/**
 * The capacity routing's own plans take, given back when a plan does not go ahead. Each planned shipment counts
 * against its location's day until it is released; a shipment that left the location (ShipmentDispatched) always
 * counts. Every change is conditional on the row's state, so an event handled twice (a copy under a new id; the
 * inbox drops a redelivery) changes nothing the second time. The caller's transaction is the handler's, with the
 * inbox row.
 */
export class PlannedCapacity {
  /** OrderCancelled: every shipment of the order that has not left gives its capacity back. */
  async orderCancelled(em: EntityManager, event: EventPayload<'OrderCancelled'>): Promise<CapacityChange> {
    const rows = await this.shipmentsOfOrder(em, event.orderId);
    return { released: await this.release(em, rows.map((r) => r.shipment_id), 'ORDER_CANCELLED', event.metadata.eventId), restored: [] };
  }

  /**
   * RouteOrder attempt n > 1: the saga re-routes, so the shipments of earlier attempts that inventory never reserved
   * are not going ahead (a reserved one is: a re-route only asks for the lines still to be placed). A StockReserved
   * read later for one of them counts it again (`reserved`).
   */
  async superseded(em: EntityManager, command: EventPayload<'RouteOrder'>): Promise<CapacityChange> {
    if (command.attempt <= 1) return NOTHING;
    const rows = await this.shipmentsOfOrder(em, command.orderId);
    const earlier = rows.filter((r) => r.attempt < command.attempt && r.reservation_id === null);
    return { released: await this.release(em, earlier.map((r) => r.shipment_id), 'SUPERSEDED', command.metadata.eventId), restored: [] };
  }

  /** StockReservationFailed: inventory held nothing for the shipment (one reservation per shipment), so it will not ship. */
  async reservationFailed(em: EntityManager, event: EventPayload<'StockReservationFailed'>): Promise<CapacityChange> {
    const rows = await this.shipmentsOfOrder(em, event.orderId);
    if (rows.some((r) => r.reservation_id === event.reservationId)) return NOTHING;
    const shipment = this.reservedFor(rows, event.shortItems, (r) => r.release_reason === null);
    if (!shipment) return NOTHING;
    // The reservation id marks the shipment as answered, so another copy of this event finds nothing more to do.
    await em.query(`UPDATE routing.planned_shipments SET reservation_id = $2, reserved_units = 0 WHERE shipment_id = $1`, [shipment.shipment_id, event.reservationId]);
    return { released: await this.release(em, [shipment.shipment_id], 'RESERVATION_FAILED', event.metadata.eventId), restored: [] };
  }

  /**
   * StockReserved: the shipment goes ahead. Its reservation is remembered (ReservationReleased names only that), and
   * if a re-route read earlier had taken it for superseded, it counts again.
   */
  async reserved(em: EntityManager, event: EventPayload<'StockReserved'>): Promise<CapacityChange> {
    const rows = await this.shipmentsOfOrder(em, event.orderId);
    if (rows.some((r) => r.reservation_id === event.reservationId)) return NOTHING;
    const shipment = this.reservedFor(rows, event.items, (r) => r.release_reason === null || r.release_reason === 'SUPERSEDED');
    if (!shipment) return NOTHING;
    const units = event.items.reduce((sum, item) => sum + item.quantity, 0);
    await em.query(
      `UPDATE routing.planned_shipments SET reservation_id = $2, reserved_units = $3, released_at = NULL, release_reason = NULL, released_by_event = NULL
       WHERE shipment_id = $1`,
      [shipment.shipment_id, event.reservationId, units],
    );
    return { released: [], restored: shipment.release_reason === 'SUPERSEDED' ? [shipment.shipment_id] : [] };
  }

  /**
   * ReservationReleased: the saga gave the shipment's stock back before it left (an operator re-route, an expiry).
   * Only a release of all of it drops the shipment: a partial one (some lines rejected) still ships the rest.
   */
  async reservationReleased(em: EntityManager, event: EventPayload<'ReservationReleased'>): Promise<CapacityChange> {
    const [row]: { shipment_id: string; reserved_units: number }[] = await em.query(
      `SELECT shipment_id, reserved_units FROM routing.planned_shipments WHERE reservation_id = $1 AND released_at IS NULL AND NOT dispatched`,
      [event.reservationId],
    );
    const units = event.items.reduce((sum, item) => sum + item.quantity, 0);
    if (!row || units < row.reserved_units) return NOTHING;
    return { released: await this.release(em, [row.shipment_id], 'RESERVATION_RELEASED', event.metadata.eventId), restored: [] };
  }

  /** FulfilmentRejected: the location will not ship the rejected lines; only a rejection of every unit drops the shipment. */
  async fulfilmentRejected(em: EntityManager, event: EventPayload<'FulfilmentRejected'>): Promise<CapacityChange> {
    const shipment = await this.shipment(em, event.fulfilmentId);
    if (!shipment || !coversAll(event.rejectedLines, linesOf(shipment))) return NOTHING;
    return { released: await this.release(em, [shipment.shipment_id], 'FULFILMENT_REJECTED', event.metadata.eventId), restored: [] };
  }

  /** FulfilmentCancelled: the location confirms it will not ship the fulfilment. */
  async fulfilmentCancelled(em: EntityManager, event: EventPayload<'FulfilmentCancelled'>): Promise<CapacityChange> {
    return { released: await this.release(em, [event.fulfilmentId], 'FULFILMENT_CANCELLED', event.metadata.eventId), restored: [] };
  }

  /** ShipmentDispatched: the shipment left, so it used its capacity whatever was read before (a cancellation it overtook). */
  async dispatched(em: EntityManager, event: EventPayload<'ShipmentDispatched'>): Promise<CapacityChange> {
    const [row]: { released: boolean; dispatched: boolean }[] = await em.query(
      `SELECT released_at IS NOT NULL AS released, dispatched FROM routing.planned_shipments WHERE shipment_id = $1 FOR UPDATE`,
      [event.fulfilmentId],
    );
    if (!row || row.dispatched) return NOTHING;
    await em.query(
      `UPDATE routing.planned_shipments SET dispatched = true, released_at = NULL, release_reason = NULL, released_by_event = NULL WHERE shipment_id = $1`,
      [event.fulfilmentId],
    );
    return { released: [], restored: row.released ? [event.fulfilmentId] : [] };
  }

  /** Releases those of the shipments that still count and have not left; returns the ones it released. */
  private async release(em: EntityManager, shipmentIds: readonly string[], reason: ReleaseReason, eventId: string): Promise<string[]> {
    if (shipmentIds.length === 0) return [];
    const rows: { shipment_id: string }[] = await em.query(
      `UPDATE routing.planned_shipments SET released_at = now(), release_reason = $2, released_by_event = $3
       WHERE shipment_id = ANY($1::text[]) AND released_at IS NULL AND NOT dispatched
       RETURNING shipment_id`,
      [shipmentIds, reason, eventId],
    );
    return rows.map((r) => r.shipment_id).sort();
  }

  /** The order's planned shipments that have not left, newest attempt first, locked for this transaction. */
  private async shipmentsOfOrder(em: EntityManager, orderId: string): Promise<ShipmentRow[]> {
    return em.query(
      `${SHIPMENTS} WHERE d.order_id = $1 AND NOT s.dispatched
       ORDER BY d.attempt DESC, s.shipment_id
       FOR UPDATE OF s`,
      [orderId],
    );
  }

  private async shipment(em: EntityManager, shipmentId: string): Promise<ShipmentRow | undefined> {
    const [row]: ShipmentRow[] = await em.query(
      `${SHIPMENTS} WHERE s.shipment_id = $1`,
      [shipmentId],
    );
    return row;
  }

  /**
   * The shipment a reservation was made for: one without a reservation yet, at the items' location, whose lines hold
   * every line the items name; the newest attempt's first (a re-route may plan the same location again).
   */
  private reservedFor(rows: readonly ShipmentRow[], items: readonly { lineId: string; locationId: string }[], eligible: (row: ShipmentRow) => boolean): ShipmentRow | undefined {
    const locationId = items[0]?.locationId;
    if (locationId === undefined) return undefined;
    return rows.find((row) => {
      if (row.location_id !== locationId || row.reservation_id !== null || !eligible(row)) return false;
      const lineIds = new Set(linesOf(row).map((line) => line.lineId));
      return items.every((item) => lineIds.has(item.lineId));
    });
  }
}

/** Whether `rejected` covers every unit of `planned` (per line id). */
export function coversAll(rejected: readonly LineQuantity[], planned: readonly LineQuantity[]): boolean {
  const refused = new Map<string, number>();
  for (const line of rejected) refused.set(line.lineId, (refused.get(line.lineId) ?? 0) + line.quantity);
  return planned.length > 0 && planned.every((line) => (refused.get(line.lineId) ?? 0) >= line.quantity);
}
