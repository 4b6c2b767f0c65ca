// Builders for specs: a small British network and orders in the words of the domain.
import { atpFromRecords, type Atp, type Location, type Order, type StockRecord } from '../model';
import type { RoutingDecision } from '../decision';
import { completeRuleset, type Ruleset, type RulesetInput } from '../ruleset';
import { routeOrder } from '../route';

export const LONDON: Location = { id: 'LDN', lat: 51.5, lon: -0.12, country: 'GB', handlingCost: 1.5 };
export const MANCHESTER: Location = { id: 'MAN', lat: 53.48, lon: -2.24, country: 'GB', handlingCost: 1.5 };
export const GLASGOW: Location = { id: 'GLA', lat: 55.86, lon: -4.25, country: 'GB', handlingCost: 1 };
export const PARIS: Location = { id: 'PAR', lat: 48.86, lon: 2.35, country: 'FR', handlingCost: 0.5 };

/** Leeds: between Manchester and Glasgow's catchments, and a little nearer Manchester. */
export const LEEDS_CUSTOMER = { lat: 53.8, lon: -1.55, country: 'GB' };

export const order = (overrides: Partial<Order> = {}): Order => ({
  id: 'O-1',
  channel: 'web',
  destination: LEEDS_CUSTOMER,
  serviceLevel: 'STANDARD',
  lines: [{ sku: 'SKU-1', quantity: 1 }],
  ...overrides,
});

export const stock = (...records: [locationId: string, sku: string, available: number][]): Atp =>
  atpFromRecords(records.map(([locationId, sku, available]): StockRecord => ({ locationId, sku, available })));

export const ruleset = (input: RulesetInput = {}): Ruleset =>
  completeRuleset({ costModel: { base: 3, perKm: 0.004, perKgKm: 0 }, splitPenalty: 2, ...input });

export type Given = { locations: Location[]; atp: Atp; ruleset?: Ruleset; now?: number };

/** Given a network and its ATP, when this order is routed: the decision. */
export const route = (given: Given, theOrder: Order = order()): RoutingDecision =>
  routeOrder({ order: theOrder, network: { locations: given.locations }, atp: given.atp, ruleset: given.ruleset ?? ruleset(), ...(given.now !== undefined ? { now: given.now } : {}) });

/** Location ids of the decision's shipments, in plan order; empty when unroutable. */
export const shippedFrom = (decision: RoutingDecision): string[] =>
  decision.type === 'OrderRouted' ? decision.plan.shipments.map((shipment) => shipment.locationId) : [];

/** The explanation's exclusion rule of one location, or its status when it was a candidate. */
export const verdictOn = (decision: RoutingDecision, locationId: string): string | undefined => {
  const report = decision.explanation.candidates.find((candidate) => candidate.locationId === locationId);
  return report?.status === 'excluded' ? `excluded:${report.rule}` : report?.status;
};
