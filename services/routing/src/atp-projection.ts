import type { EventPayload } from '@switchyard/contracts';
import { atpFromRecords, type Atp } from '@switchyard/routing-engine';
import { EntityManager } from 'typeorm';

/**
 * Routing's own copy of inventory's available-to-promise, one row per SKU × location, from StockLevelChanged.
 * Each event carries the whole level, so the latest one wins; an older one (a redrive from a dead-letter topic)
 * never overwrites a newer one.
 */
export class AtpProjection {
  async apply(em: EntityManager, level: EventPayload<'StockLevelChanged'>): Promise<void> {
    await em.query(
      `INSERT INTO routing.atp (sku, location_id, available, on_hand, reserved, safety_stock, source_event_id, source_occurred_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, to_timestamp($8::double precision / 1000))
       ON CONFLICT (sku, location_id) DO UPDATE SET available = EXCLUDED.available, on_hand = EXCLUDED.on_hand, reserved = EXCLUDED.reserved,
         safety_stock = EXCLUDED.safety_stock, source_event_id = EXCLUDED.source_event_id, source_occurred_at = EXCLUDED.source_occurred_at, updated_at = now()
       WHERE routing.atp.source_occurred_at <= EXCLUDED.source_occurred_at`,
      // ATP is never negative, whatever a producer sends.
      [level.sku, level.locationId, Math.max(0, level.available), level.onHand, level.reserved, level.safetyStock, level.metadata.eventId, level.metadata.occurredAt],
    );
  }

  /** ATP of these SKUs at these locations, in the engine's shape; SKU × location pairs without a row have none. */
  async atpFor(em: EntityManager, skus: readonly string[], locationIds: readonly string[]): Promise<Atp> {
    const records: { sku: string; locationId: string; available: number }[] = await em.query(
      `SELECT sku, location_id AS "locationId", available FROM routing.atp WHERE sku = ANY($1::text[]) AND location_id = ANY($2::text[]) AND available > 0`,
      [skus, locationIds],
    );
    return atpFromRecords(records);
  }
}
