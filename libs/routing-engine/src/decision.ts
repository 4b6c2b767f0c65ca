import type { DeliveryEstimate, ExclusionRule } from './candidates';
import type { BackOrderPolicy } from './model';
import type { RankingCriterion, Strategy } from './ruleset';

// What the engine decides: plain data, stored as the OrderRouted / OrderUnroutable events.

export type CostBreakdown = {
  readonly handling: number;
  readonly shipping: number;
  readonly splitPenalty: number;
  readonly lateness: number;
  readonly total: number;
};

export type ShipmentLine = { readonly sku: string; readonly quantity: number };

export type Shipment = {
  readonly locationId: string;
  readonly lines: readonly ShipmentLine[];
  readonly distanceKm: number;
  readonly cost: Omit<CostBreakdown, 'splitPenalty'>;
  readonly estimatedDelivery: DeliveryEstimate;
};

export type Plan = { readonly shipments: readonly Shipment[]; readonly cost: CostBreakdown };

export type LineReasonCode =
  | 'NO_STOCK'
  | 'STOCK_ONLY_AT_EXCLUDED_LOCATIONS'
  | 'NOT_ENOUGH_STOCK'
  | 'NOT_AT_ONE_LOCATION'
  | 'EXCEEDS_MAX_SHIPMENTS'
  | 'SEARCH_LIMIT'
  | 'HELD_WITH_ORDER'
  | 'DUPLICATE_SKU';

export type LineReason = { readonly code: LineReasonCode; readonly message: string };

export type Disposition = 'held' | 'cancelled';

/** Units of a line that do not ship now, what happens to them and why. */
export type UnfulfilledLine = {
  readonly lineIndex: number;
  readonly sku: string;
  readonly quantity: number;
  readonly disposition: Disposition;
  readonly reason: LineReason;
};

export type CandidateReport =
  | { readonly locationId: string; readonly status: 'excluded'; readonly rule: ExclusionRule; readonly reason: string }
  | {
      readonly locationId: string;
      readonly status: 'chosen' | 'runner-up' | 'candidate';
      readonly distanceKm: number;
      readonly handlingCost: number;
      readonly shippingEstimate: number;
      readonly latenessPenalty: number;
      /** Handling + shipping estimate + lateness of one shipment from here, before weight. */
      readonly shipmentCost: number;
      /** Lines of the order this location has the full quantity of. */
      readonly wholeLines: number;
      readonly estimatedDelivery: DeliveryEstimate;
    };

export type PlanReport = {
  readonly locations: readonly string[];
  readonly cost: CostBreakdown;
  readonly missingUnits: number;
  /** Ranked strategy: the plan's value per criterion (lower is better). */
  readonly scores?: Readonly<Partial<Record<RankingCriterion, number>>>;
};

export type RunnerUpReport = PlanReport & {
  /** Runner-up minus chosen, per cost component: what choosing it would have added. */
  readonly costDifference: CostBreakdown;
  /** What settled the choice: a ranked criterion, 'total cost', 'more units shipped now' or 'fewer shipments'. */
  readonly decidedBy: string;
};

export type Explanation = {
  readonly strategy: Strategy;
  readonly ruleset: { readonly id: string; readonly version: number };
  readonly backOrderPolicy: BackOrderPolicy;
  readonly priority: boolean;
  /** The limits the plan was searched under (the split policy may relax the ruleset's). */
  readonly limits: { readonly maxShipments: number; readonly splitLines: boolean; readonly relaxedBySplitPolicy: boolean };
  /** Every location of the network, in network order. */
  readonly candidates: readonly CandidateReport[];
  readonly chosen?: PlanReport;
  readonly runnerUp?: RunnerUpReport;
  readonly search: { readonly exact: boolean; readonly nodes: number; readonly maxNodes: number; readonly examinedUpToShipments: number };
  readonly summary: string;
};

export type OrderRouted = {
  readonly type: 'OrderRouted';
  readonly orderId: string;
  readonly plan: Plan;
  /** Lines (or units) that do not ship now under a part-ship or cancel back-order policy. */
  readonly unfulfilled: readonly UnfulfilledLine[];
  readonly explanation: Explanation;
};

export type OrderUnroutable = {
  readonly type: 'OrderUnroutable';
  readonly orderId: string;
  readonly disposition: Disposition;
  readonly lines: readonly UnfulfilledLine[];
  readonly explanation: Explanation;
};

export type RoutingDecision = OrderRouted | OrderUnroutable;
