import fc from 'fast-check';
import type { ReservationItem } from '@switchyard/contracts';
import { availableToPromise, decideReservation, HeldItem, openQuantity, planDispatch, planRelease, StockLevel, stockKey } from './index';

const skus = ['A', 'B', 'C'];
const locations = ['dc-1', 'dc-2'];
const levelsArbitrary = fc
  .tuple(...skus.flatMap(() => locations.map(() => fc.record({ onHand: fc.nat(20), reserved: fc.nat(20), safetyStock: fc.nat(3) }))))
  .map((rows) => {
    const levels = new Map<string, StockLevel & { safetyStock: number }>();
    let i = 0;
    for (const sku of skus) for (const locationId of locations) levels.set(stockKey(sku, locationId), { sku, locationId, ...rows[i++] });
    return levels;
  });
const itemsArbitrary = fc
  .array(fc.record({ sku: fc.constantFrom(...skus), locationId: fc.constantFrom(...locations), quantity: fc.integer({ min: 1, max: 8 }) }), { minLength: 1, maxLength: 6 })
  .map((items): ReservationItem[] => items.map((item, n) => ({ lineId: `${n + 1}`, ...item })));

describe('reservation properties', () => {
  it('holds everything exactly when every SKU × location has the ATP asked of it, and a failure names only lines beyond what was left', () => {
    fc.assert(
      fc.property(levelsArbitrary, itemsArbitrary, (levels, items) => {
        const safety = (sku: string, locationId: string) => levels.get(stockKey(sku, locationId))?.safetyStock ?? 0;
        const decision = decideReservation(items, levels, safety);
        const asked = new Map<string, number>();
        for (const item of items) asked.set(stockKey(item.sku, item.locationId), (asked.get(stockKey(item.sku, item.locationId)) ?? 0) + item.quantity);
        const fits = [...asked].every(([key, quantity]) => {
          const level = levels.get(key) as StockLevel & { safetyStock: number };
          return quantity <= availableToPromise(level, level.safetyStock);
        });
        if (decision.outcome === 'HELD') {
          expect(fits).toBe(true);
          expect(decision.holds.reduce((n, h) => n + h.quantity, 0)).toBe(items.reduce((n, i) => n + i.quantity, 0));
        } else {
          expect(fits).toBe(false);
          for (const short of decision.shortItems) expect(short.available).toBeLessThan(short.requested);
        }
      }),
    );
  });

  it('never releases or dispatches more than is held, and every shipped unit is either consumed or unreserved', () => {
    const heldArbitrary = fc.array(fc.record({ lineId: fc.constantFrom('1', '2', '3'), quantity: fc.integer({ min: 1, max: 5 }), released: fc.nat(2), dispatched: fc.nat(2) }), {
      maxLength: 4,
    });
    const asked = fc.array(fc.record({ lineId: fc.constantFrom('1', '2', '3', '4'), quantity: fc.integer({ min: 1, max: 6 }) }), { maxLength: 4 });
    fc.assert(
      fc.property(heldArbitrary, asked, (rows, lines) => {
        const held: HeldItem[] = rows
          .filter((row, n, all) => all.findIndex((other) => other.lineId === row.lineId) === n)
          .map((row) => ({ reservationId: 'r', sku: 'A', locationId: 'dc-1', ...row, released: Math.min(row.released, row.quantity), dispatched: Math.min(row.dispatched, row.quantity - Math.min(row.released, row.quantity)) }));
        const release = planRelease(
          held,
          lines.map((line) => ({ ...line, sku: 'A', locationId: 'dc-1' })),
        );
        for (const { item, quantity } of release.releases) expect(quantity).toBeLessThanOrEqual(openQuantity(item));
        const dispatch = planDispatch(
          held,
          lines.map((line) => ({ ...line, sku: 'A' })),
        );
        for (const { item, quantity } of dispatch.consumed) expect(quantity).toBeLessThanOrEqual(openQuantity(item));
        const consumed = dispatch.consumed.reduce((n, c) => n + c.quantity, 0);
        const unreserved = dispatch.unreserved.reduce((n, l) => n + l.quantity, 0);
        expect(consumed + unreserved).toBe(lines.reduce((n, l) => n + l.quantity, 0));
        expect(dispatch.shippedBySku.get('A') ?? 0).toBe(consumed + unreserved);
      }),
    );
  });
});
