import type { BackOrderPolicy, ServiceLevel } from './model';

// A ruleset is versioned data an operations person can read; `RulesetInput` is what they write,
// `Ruleset` is the same with every default filled in so the engine never guesses.

export type Strategy = 'cost' | 'ranked';

export type RankingCriterion =
  | 'minimiseShipments'
  | 'stayInMarket'
  | 'locationPriority'
  | 'highestStock'
  | 'closest'
  | 'lowestCost';

export const RANKING_CRITERIA: readonly RankingCriterion[] = [
  'minimiseShipments',
  'stayInMarket',
  'locationPriority',
  'highestStock',
  'closest',
  'lowestCost',
];

export type CostModel = {
  /** Fixed part of every shipping estimate. */
  readonly base: number;
  readonly perKm: number;
  /** Per kg of shipment weight per km; only lines with `weightKg` contribute. */
  readonly perKgKm: number;
};

export type TransitModel = { readonly minDays: number; readonly kmPerDay: number };

/** Hard filters that can be switched off; stock (ATP) is always a hard filter. */
export type Filters = {
  readonly channel: boolean;
  readonly market: boolean;
  readonly capacity: boolean;
  readonly cutoff: boolean;
};

export type Ruleset = {
  readonly id: string;
  readonly version: number;
  readonly description?: string;
  readonly strategy: Strategy;
  readonly criteria: readonly RankingCriterion[];
  readonly filters: Filters;
  readonly maxShipments: number;
  readonly splitLines: boolean;
  readonly splitPenalty: number;
  readonly latenessPenaltyPerDay: number;
  readonly costModel: CostModel;
  readonly transit: Readonly<Record<ServiceLevel, TransitModel>>;
  /** Location ids, most preferred first, for the `locationPriority` criterion. */
  readonly locationRanking: readonly string[];
  readonly priority: {
    /** Customer tiers whose orders count as priority orders. */
    readonly tiers: readonly string[];
    /** Shipments per day a location keeps for priority orders (by location id, else `default`). */
    readonly reserve: { readonly default: number; readonly byLocation: Readonly<Record<string, number>> };
  };
  readonly backOrder: {
    readonly policy: BackOrderPolicy;
    readonly byChannel: Readonly<Record<string, BackOrderPolicy>>;
    /** Shipment limit when the `split` policy relaxes the ruleset to fulfil now. */
    readonly splitMaxShipments: number;
  };
  readonly search: {
    /** Work limit of the location-set search; see docs/routing.md, "Exactness". */
    readonly maxNodes: number;
  };
};

type DeepPartial<T> = { [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K] };

export type RulesetInput = DeepPartial<Ruleset>;

export const DEFAULT_TRANSIT: Readonly<Record<ServiceLevel, TransitModel>> = {
  SAME_DAY: { minDays: 0, kmPerDay: 100 },
  NEXT_DAY: { minDays: 1, kmPerDay: 1500 },
  EXPRESS: { minDays: 1, kmPerDay: 800 },
  STANDARD: { minDays: 2, kmPerDay: 500 },
};

export const DEFAULT_RULESET: Ruleset = {
  id: 'default',
  version: 1,
  strategy: 'cost',
  criteria: ['minimiseShipments', 'stayInMarket', 'closest', 'lowestCost'],
  filters: { channel: true, market: true, capacity: true, cutoff: true },
  maxShipments: 3,
  splitLines: false,
  splitPenalty: 2,
  latenessPenaltyPerDay: 0,
  costModel: { base: 3, perKm: 0.004, perKgKm: 0 },
  transit: DEFAULT_TRANSIT,
  locationRanking: [],
  priority: { tiers: [], reserve: { default: 0, byLocation: {} } },
  backOrder: { policy: 'hold', byChannel: {}, splitMaxShipments: 5 },
  search: { maxNodes: 50_000 },
};

/** Fills every default; the input must already have passed `validateRuleset`. */
export const completeRuleset = (input: RulesetInput): Ruleset => {
  const d = DEFAULT_RULESET;
  const maxShipments = input.maxShipments ?? d.maxShipments;
  return {
    id: input.id ?? d.id,
    version: input.version ?? d.version,
    ...(input.description !== undefined ? { description: input.description } : {}),
    strategy: input.strategy ?? d.strategy,
    criteria: input.criteria ?? d.criteria,
    filters: { ...d.filters, ...input.filters },
    maxShipments,
    splitLines: input.splitLines ?? d.splitLines,
    splitPenalty: input.splitPenalty ?? d.splitPenalty,
    latenessPenaltyPerDay: input.latenessPenaltyPerDay ?? d.latenessPenaltyPerDay,
    costModel: { ...d.costModel, ...input.costModel },
    transit: { ...d.transit, ...(input.transit as Record<ServiceLevel, TransitModel> | undefined) },
    locationRanking: input.locationRanking ?? d.locationRanking,
    priority: {
      tiers: input.priority?.tiers ?? d.priority.tiers,
      reserve: {
        default: input.priority?.reserve?.default ?? d.priority.reserve.default,
        byLocation: (input.priority?.reserve?.byLocation as Record<string, number> | undefined) ?? {},
      },
    },
    backOrder: {
      policy: input.backOrder?.policy ?? d.backOrder.policy,
      byChannel: (input.backOrder?.byChannel as Record<string, BackOrderPolicy> | undefined) ?? {},
      splitMaxShipments: input.backOrder?.splitMaxShipments ?? Math.max(maxShipments, d.backOrder.splitMaxShipments),
    },
    search: { maxNodes: input.search?.maxNodes ?? d.search.maxNodes },
  };
};

/** Transit model of a service level; an unknown service level travels as STANDARD. */
export const transitFor = (ruleset: Ruleset, serviceLevel: ServiceLevel): TransitModel =>
  ruleset.transit[serviceLevel] ?? ruleset.transit['STANDARD'] ?? DEFAULT_TRANSIT['STANDARD'];

/** Reserve a location keeps for priority orders. */
export const priorityReserveAt = (ruleset: Ruleset, locationId: string): number =>
  ruleset.priority.reserve.byLocation[locationId] ?? ruleset.priority.reserve.default;
