import { stockKey } from './stock-level';

/**
 * Units kept back from promising, per SKU × location: a SKU-at-location rule wins over a location rule,
 * which wins over the default.
 */
export interface SafetyStockPolicy {
  readonly defaultUnits: number;
  readonly byLocation: ReadonlyMap<string, number>;
  /** Keyed `sku@locationId`. */
  readonly bySkuAtLocation: ReadonlyMap<string, number>;
}

export const noSafetyStock: SafetyStockPolicy = { defaultUnits: 0, byLocation: new Map(), bySkuAtLocation: new Map() };

export function safetyStockFor(policy: SafetyStockPolicy, sku: string, locationId: string): number {
  return policy.bySkuAtLocation.get(stockKey(sku, locationId)) ?? policy.byLocation.get(locationId) ?? policy.defaultUnits;
}

const RULE = /^(?:([^@=\s]+)@)?([^@=\s]+)=(\d+)$/;

/**
 * Reads rules written `locationId=units` or `sku@locationId=units` (e.g. `dc-berlin=2`, `SKU-1@dc-berlin=5`).
 * Throws one error listing every rule that is malformed or repeats an earlier one.
 */
export function parseSafetyStockPolicy(defaultUnits: number, rules: readonly string[]): SafetyStockPolicy {
  if (!Number.isInteger(defaultUnits) || defaultUnits < 0) throw new RangeError(`The default safety stock must be a whole number of units, 0 or more; got ${defaultUnits}.`);
  const byLocation = new Map<string, number>();
  const bySkuAtLocation = new Map<string, number>();
  const problems: string[] = [];
  for (const rule of rules) {
    const match = RULE.exec(rule.trim());
    if (!match) {
      problems.push(`"${rule}" is not a safety stock rule; write locationId=units or sku@locationId=units`);
      continue;
    }
    const [, sku, locationId, units] = match;
    const target = sku === undefined ? byLocation : bySkuAtLocation;
    const key = sku === undefined ? locationId : stockKey(sku, locationId);
    if (target.has(key)) problems.push(`"${rule}" repeats the rule for ${key}; keep one`);
    else target.set(key, Number(units));
  }
  if (problems.length > 0) throw new RangeError(`Safety stock rules are wrong: ${problems.join('; ')}.`);
  return { defaultUnits, byLocation, bySkuAtLocation };
}
