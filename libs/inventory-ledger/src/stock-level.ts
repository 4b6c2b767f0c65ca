/** One SKU at one location as inventory keeps it. */
export interface StockLevel {
  readonly sku: string;
  readonly locationId: string;
  /** Units physically there: the location's last count minus dispatches since. */
  readonly onHand: number;
  /** Units held for orders and not yet dispatched. */
  readonly reserved: number;
}

/** A stock level with the safety stock in force for it: what routing is told. */
export interface StockView extends StockLevel {
  /** Units kept back from promising. */
  readonly safetyStock: number;
  /** Available to promise: on hand − reserved − safety stock, never below 0. */
  readonly available: number;
}

/** The key of one SKU × location, as on the wire (`sku@locationId`). */
export const stockKey = (sku: string, locationId: string): string => `${sku}@${locationId}`;

/** Available to promise. Zero, not negative, when a count left on hand below what is reserved. */
export const availableToPromise = (level: Pick<StockLevel, 'onHand' | 'reserved'>, safetyStock: number): number =>
  Math.max(0, level.onHand - level.reserved - safetyStock);

export const viewOf = (level: StockLevel, safetyStock: number): StockView => ({ ...level, safetyStock, available: availableToPromise(level, safetyStock) });

/** What a location's count does to a level: on hand becomes the count; the change is recorded beside the location's own delta. */
export interface CountApplied {
  readonly level: StockLevel;
  /** Change of on hand as inventory saw it (count − previous on hand). */
  readonly onHandDelta: number;
  /** Units reserved beyond what is on hand after the count (stock lost under reservations); 0 normally. */
  readonly reservedBeyondOnHand: number;
}

export function applyCount(level: StockLevel, onHandAfter: number): CountApplied {
  if (!Number.isInteger(onHandAfter) || onHandAfter < 0) {
    throw new RangeError(`A count of ${level.sku} at ${level.locationId} must be a whole number of units, 0 or more; got ${onHandAfter}.`);
  }
  return {
    level: { ...level, onHand: onHandAfter },
    onHandDelta: onHandAfter - level.onHand,
    reservedBeyondOnHand: Math.max(0, level.reserved - onHandAfter),
  };
}
