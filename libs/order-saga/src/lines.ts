import type { LineQuantity, ReservationItem } from '@switchyard/contracts';

// Quantities of order lines, as lists of LineQuantity keyed by lineId: the arithmetic the saga does on them.

/** Units per line id. */
function unitsByLine(lines: readonly LineQuantity[]): Map<string, LineQuantity> {
  const units = new Map<string, LineQuantity>();
  for (const line of lines) {
    const seen = units.get(line.lineId);
    units.set(line.lineId, { lineId: line.lineId, sku: line.sku, quantity: (seen?.quantity ?? 0) + line.quantity });
  }
  return units;
}

/** Lines added together, one entry per line id, in first-seen order. */
export function addLines(...lists: readonly (readonly LineQuantity[])[]): LineQuantity[] {
  return [...unitsByLine(lists.flat()).values()].filter((line) => line.quantity > 0);
}

/** `from` less `less`, never below zero, dropping lines that reach zero. */
export function subtractLines(from: readonly LineQuantity[], less: readonly LineQuantity[]): LineQuantity[] {
  const taken = unitsByLine(less);
  return addLines(from)
    .map((line) => ({ ...line, quantity: line.quantity - Math.min(line.quantity, taken.get(line.lineId)?.quantity ?? 0) }))
    .filter((line) => line.quantity > 0);
}

/** The units of `wanted` that `available` can cover. */
export function intersectLines(wanted: readonly LineQuantity[], available: readonly LineQuantity[]): LineQuantity[] {
  const have = unitsByLine(available);
  return addLines(wanted)
    .map((line) => ({ ...line, quantity: Math.min(line.quantity, have.get(line.lineId)?.quantity ?? 0) }))
    .filter((line) => line.quantity > 0);
}

export const totalUnits = (lines: readonly LineQuantity[]): number => lines.reduce((sum, line) => sum + line.quantity, 0);

export const asReservationItems = (lines: readonly LineQuantity[], locationId: string): ReservationItem[] =>
  addLines(lines).map((line) => ({ lineId: line.lineId, sku: line.sku, locationId, quantity: line.quantity }));

export const asLines = (items: readonly ReservationItem[]): LineQuantity[] =>
  addLines(items.map((item) => ({ lineId: item.lineId, sku: item.sku, quantity: item.quantity })));

/** `a` and `b` hold the same units of the same lines. */
export const sameLines = (a: readonly LineQuantity[], b: readonly LineQuantity[]): boolean =>
  subtractLines(a, b).length === 0 && subtractLines(b, a).length === 0;
