// The routing engine's inputs: plain data, no behaviour. Names follow the fulfilment domain.

export type ServiceLevel = string;

export type GeoPoint = { readonly lat: number; readonly lon: number };

export type Destination = GeoPoint & { readonly country: string };

/** One order line. `weightKg` is per unit; shipping adds `perKgKm × weight × km` when it is given. */
export type OrderLine = { readonly sku: string; readonly quantity: number; readonly weightKg?: number };

/**
 * What to do with lines that cannot ship now:
 * - `hold`: hold the whole order until everything can ship together.
 * - `ship-available`: ship what can ship now, hold the rest.
 * - `split`: allow splitting lines across locations (up to `backOrder.splitMaxShipments`), else hold.
 * - `cancel-unavailable`: ship what can ship now, cancel the rest.
 */
export type BackOrderPolicy = 'hold' | 'ship-available' | 'split' | 'cancel-unavailable';

export const BACK_ORDER_POLICIES: readonly BackOrderPolicy[] = ['hold', 'ship-available', 'split', 'cancel-unavailable'];

export type OrderPriority = 'STANDARD' | 'PRIORITY';

export type Order = {
  readonly id: string;
  readonly channel: string;
  readonly destination: Destination;
  readonly serviceLevel: ServiceLevel;
  readonly lines: readonly OrderLine[];
  /** Calendar date (YYYY-MM-DD) or ISO instant by which the customer was promised delivery. */
  readonly promisedDate?: string;
  readonly customerTier?: string;
  readonly priority?: OrderPriority;
  /** Overrides the ruleset's back-order policy for this order. */
  readonly backOrderPolicy?: BackOrderPolicy;
};

export type Location = {
  readonly id: string;
  readonly lat: number;
  readonly lon: number;
  readonly country: string;
  /** Pick/pack cost per shipment. */
  readonly handlingCost: number;
  /** Sales channels this location may serve; absent means every channel. */
  readonly channels?: readonly string[];
  /** Destination countries this location may ship to; absent means every market. */
  readonly markets?: readonly string[];
  /** Shipments per day this location can dispatch; absent means unlimited. */
  readonly dailyCapacity?: number;
  /** Shipments already taken today. */
  readonly usedToday?: number;
  /** Last order time per service level, local "HH:MM", for same-day dispatch. */
  readonly cutoffs?: Readonly<Record<ServiceLevel, string>>;
  /** Local time offset from UTC in minutes, for cutoffs and ship dates. */
  readonly utcOffsetMinutes?: number;
};

export type Network = { readonly locations: readonly Location[] };

/** Available-to-promise units: SKU → location id → units (on hand − reserved − safety stock). */
export type Atp = ReadonlyMap<string, ReadonlyMap<string, number>>;

export type StockRecord =
  | { readonly locationId: string; readonly sku: string; readonly available: number }
  | {
      readonly locationId: string;
      readonly sku: string;
      readonly onHand: number;
      readonly reserved?: number;
      readonly safetyStock?: number;
    };

/** ATP of one stock record: what may be promised, never below zero. */
export const atpOfRecord = (record: StockRecord): number =>
  'available' in record
    ? Math.max(0, record.available)
    : Math.max(0, record.onHand - (record.reserved ?? 0) - (record.safetyStock ?? 0));

export const atpFromRecords = (records: readonly StockRecord[]): Atp => {
  const atp = new Map<string, Map<string, number>>();
  for (const record of records) {
    let bySku = atp.get(record.sku);
    if (!bySku) atp.set(record.sku, (bySku = new Map()));
    bySku.set(record.locationId, (bySku.get(record.locationId) ?? 0) + atpOfRecord(record));
  }
  return atp;
};

export const atpAt = (atp: Atp, sku: string, locationId: string): number => atp.get(sku)?.get(locationId) ?? 0;
