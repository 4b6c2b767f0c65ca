import type { LineQuantity, ReservationFailureReason, ReservationItem, ShortItem } from '@switchyard/contracts';
import { availableToPromise, StockLevel, stockKey } from './stock-level';

/** Units to add to (hold) or take from (release) the reserved count of one SKU × location. */
export interface StockHold {
  readonly sku: string;
  readonly locationId: string;
  readonly quantity: number;
}

export type ReservationDecision =
  | { readonly outcome: 'HELD'; readonly holds: readonly StockHold[] }
  | { readonly outcome: 'FAILED'; readonly reason: ReservationFailureReason; readonly shortItems: readonly ShortItem[] };

/** What is wrong with the items of a ReserveStock (empty when nothing): quantities, repeated lines. */
export function reservationProblems(items: readonly ReservationItem[]): string[] {
  if (items.length === 0) return ['it has no items; a reservation holds at least one line at one location'];
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    if (!Number.isInteger(item.quantity) || item.quantity < 1) {
      problems.push(`line ${item.lineId} (${item.sku} at ${item.locationId}) asks for ${item.quantity} units; ask for 1 or more`);
    }
    const key = `${item.lineId}\u0000${item.locationId}`;
    if (seen.has(key)) problems.push(`line ${item.lineId} appears twice at ${item.locationId}; send one item per line and location`);
    seen.add(key);
  }
  return problems;
}

/** Adds up the units asked of each SKU × location, in the one fixed order every writer locks rows in. */
export function holdsOf(items: readonly Pick<ReservationItem, 'sku' | 'locationId' | 'quantity'>[]): StockHold[] {
  const totals = new Map<string, StockHold>();
  for (const { sku, locationId, quantity } of items) {
    const key = stockKey(sku, locationId);
    const held = totals.get(key);
    totals.set(key, { sku, locationId, quantity: (held?.quantity ?? 0) + quantity });
  }
  return [...totals.values()].sort(byStockOrder);
}

/** The order rows are locked in: by SKU, then location (plain code-unit order, as PostgreSQL's "C" collation). */
export function byStockOrder(a: Pick<StockHold, 'sku' | 'locationId'>, b: Pick<StockHold, 'sku' | 'locationId'>): number {
  return compare(a.sku, b.sku) || compare(a.locationId, b.locationId);
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * All or nothing: every item fits in what its SKU × location has available to promise, or nothing is held and
 * each line that does not fit is named with what was asked and what was available. Lines of one SKU at one
 * location share its ATP in the order they were sent. A SKU × location with no stock record has nothing.
 */
export function decideReservation(
  items: readonly ReservationItem[],
  levels: ReadonlyMap<string, StockLevel>,
  safetyStockOf: (sku: string, locationId: string) => number,
): ReservationDecision {
  const left = new Map<string, number>();
  const shortItems: ShortItem[] = [];
  for (const item of items) {
    const key = stockKey(item.sku, item.locationId);
    const level = levels.get(key);
    const available = left.get(key) ?? (level ? availableToPromise(level, safetyStockOf(item.sku, item.locationId)) : 0);
    if (item.quantity > available) shortItems.push({ lineId: item.lineId, sku: item.sku, locationId: item.locationId, requested: item.quantity, available });
    left.set(key, Math.max(0, available - item.quantity));
  }
  if (shortItems.length > 0) return { outcome: 'FAILED', reason: 'INSUFFICIENT_STOCK', shortItems };
  return { outcome: 'HELD', holds: holdsOf(items) };
}

/** One held item of a reservation, with what has left it since. */
export interface HeldItem extends ReservationItem {
  readonly reservationId: string;
  readonly released: number;
  readonly dispatched: number;
}

export const openQuantity = (item: HeldItem): number => item.quantity - item.released - item.dispatched;

export type ReservationState = 'HELD' | 'RELEASED' | 'DISPATCHED';

/** HELD while any unit is still held; then DISPATCHED if anything shipped, else RELEASED. */
export function reservationState(items: readonly HeldItem[]): ReservationState {
  if (items.some((item) => openQuantity(item) > 0)) return 'HELD';
  return items.some((item) => item.dispatched > 0) ? 'DISPATCHED' : 'RELEASED';
}

/** Units leaving one held item. */
export interface ItemChange {
  readonly item: HeldItem;
  readonly quantity: number;
}

export interface ReleasePlan {
  readonly releases: readonly ItemChange[];
  /** Asked-for items that match no held line at that location, or nothing still held there. */
  readonly nothingHeld: readonly ReservationItem[];
}

/**
 * What a ReleaseStock gives back: with no items, everything still held; with items, up to each item's quantity
 * of the held line at that location (matched on line, SKU and location). Never more than is still held.
 */
export function planRelease(held: readonly HeldItem[], asked: readonly ReservationItem[]): ReleasePlan {
  if (asked.length === 0) {
    return { releases: held.filter((item) => openQuantity(item) > 0).map((item) => ({ item, quantity: openQuantity(item) })), nothingHeld: [] };
  }
  const open = new Map(held.map((item) => [itemKey(item), openQuantity(item)]));
  const byKey = new Map(held.map((item) => [itemKey(item), item]));
  const releases: ItemChange[] = [];
  const nothingHeld: ReservationItem[] = [];
  for (const wanted of asked) {
    const key = itemKey(wanted);
    const item = byKey.get(key);
    const quantity = Math.min(Math.max(0, wanted.quantity), open.get(key) ?? 0);
    if (!item || quantity === 0) {
      nothingHeld.push(wanted);
      continue;
    }
    open.set(key, (open.get(key) ?? 0) - quantity);
    releases.push({ item, quantity });
  }
  return { releases: mergeChanges(releases), nothingHeld };
}

export interface DispatchPlan {
  /** Held units the dispatch consumes, oldest reservation first. */
  readonly consumed: readonly ItemChange[];
  /** Units shipped beyond what was held for that line at that location. */
  readonly unreserved: readonly LineQuantity[];
  /** Units leaving the location, per SKU, held or not. */
  readonly shippedBySku: ReadonlyMap<string, number>;
}

/** Matches shipped lines to what the order holds at the shipping location (line and SKU), oldest first. */
export function planDispatch(held: readonly HeldItem[], lines: readonly LineQuantity[]): DispatchPlan {
  const open = new Map(held.map((item) => [item, openQuantity(item)]));
  const consumed: ItemChange[] = [];
  const unreserved: LineQuantity[] = [];
  const shippedBySku = new Map<string, number>();
  for (const line of lines) {
    const shipped = Math.max(0, line.quantity);
    shippedBySku.set(line.sku, (shippedBySku.get(line.sku) ?? 0) + shipped);
    let remaining = shipped;
    for (const item of held) {
      if (remaining === 0) break;
      if (item.lineId !== line.lineId || item.sku !== line.sku) continue;
      const take = Math.min(remaining, open.get(item) ?? 0);
      if (take === 0) continue;
      open.set(item, (open.get(item) ?? 0) - take);
      consumed.push({ item, quantity: take });
      remaining -= take;
    }
    if (remaining > 0) unreserved.push({ lineId: line.lineId, sku: line.sku, quantity: remaining });
  }
  return { consumed: mergeChanges(consumed), unreserved, shippedBySku };
}

/** What taking `quantity` units off the shelf does to on hand: never below 0; the units not there are the shortfall. */
export function takeFromOnHand(onHand: number, quantity: number): { readonly onHandAfter: number; readonly shortfall: number } {
  const taken = Math.min(onHand, quantity);
  return { onHandAfter: onHand - taken, shortfall: quantity - taken };
}

/** Reserved-count changes per SKU × location for item changes, in lock order. */
export function holdsOfChanges(changes: readonly ItemChange[]): StockHold[] {
  return holdsOf(changes.map(({ item, quantity }) => ({ sku: item.sku, locationId: item.locationId, quantity })));
}

// Within one reservation a held item is one line at one location (of one SKU).
const itemKey = (item: Pick<ReservationItem, 'lineId' | 'sku' | 'locationId'>): string => [item.lineId, item.sku, item.locationId].join('\u0000');

function mergeChanges(changes: readonly ItemChange[]): ItemChange[] {
  const merged = new Map<HeldItem, number>();
  for (const { item, quantity } of changes) merged.set(item, (merged.get(item) ?? 0) + quantity);
  return [...merged].map(([item, quantity]) => ({ item, quantity }));
}
