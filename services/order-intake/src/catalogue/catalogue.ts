import { EntityManager } from 'typeorm';
import { SCHEMA } from '../schema';

export const SKU = /^\S{1,100}$/;

/**
 * The SKUs intake knows. Any SKU inventory has ever reported stock for (StockLevelChanged, StockAdjusted on
 * inventory.events) is known, plus the ones an operator imports; a SKU is never forgotten, so an order for a
 * SKU that is merely out of stock is accepted and left to routing's back-order policy.
 */
export class Catalogue {
  /** Adds SKUs (those known already are left as they are); returns how many were new. */
  async add(em: EntityManager, skus: readonly string[], source: string): Promise<number> {
    // Sorted: concurrent imports lock the same rows in the same order.
    const unique = [...new Set(skus)].sort();
    if (unique.length === 0) return 0;
    const rows: unknown[] = await em.query(
      `INSERT INTO ${SCHEMA}.catalogue (sku, source) SELECT unnest($1::text[]), $2 ON CONFLICT (sku) DO NOTHING RETURNING sku`,
      [unique, source],
    );
    return rows.length;
  }

  /** The SKUs of `skus` the catalogue does not know, in the order given. */
  async unknown(em: EntityManager, skus: readonly string[]): Promise<string[]> {
    const rows: { sku: string }[] = await em.query(`SELECT sku FROM ${SCHEMA}.catalogue WHERE sku = ANY($1::text[])`, [[...new Set(skus)]]);
    const known = new Set(rows.map((row) => row.sku));
    return skus.filter((sku) => !known.has(sku));
  }
}
