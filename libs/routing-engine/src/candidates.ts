import { greatCircleKm } from './geo';
import type { Atp, Location, Order } from './model';
import { priorityReserveAt, transitFor, type Ruleset } from './ruleset';
import { civilFromDays, MS_PER_DAY, MS_PER_MINUTE, parseClockTime, promisedDay } from './time';

/** One line the search has to place: a unique SKU of the order. */
export type Demand = { readonly lineIndex: number; readonly sku: string; readonly quantity: number; readonly weightKg: number };

export type ExclusionRule = 'channel' | 'market' | 'capacity' | 'cutoff' | 'stock';

export type Exclusion = { readonly location: Location; readonly networkIndex: number; readonly rule: ExclusionRule; readonly reason: string };

export type DeliveryEstimate = {
  readonly transitDays: number;
  /** Present when the request carried "now". */
  readonly shipDate?: string;
  readonly deliveryDate?: string;
  /** Present when the order carried a promised date. */
  readonly daysLate?: number;
};

/** A location that passed every hard filter, with what shipping from it costs for this order. */
export type Candidate = {
  readonly location: Location;
  /** Position of the location in the network, so explanations keep network order. */
  readonly networkIndex: number;
  readonly distanceKm: number;
  readonly handlingCost: number;
  /** base + perKm × km: the shipping estimate before weight. */
  readonly shippingEstimate: number;
  readonly latenessPenalty: number;
  /** What opening a shipment here costs before weight: handling + shipping estimate + lateness. */
  readonly fixedCost: number;
  /** ATP per demand. */
  readonly atp: readonly number[];
  /** Shipping cost per unit of each demand from weight: perKgKm × weightKg × km. */
  readonly unitCost: readonly number[];
  readonly delivery: DeliveryEstimate;
  readonly inMarket: boolean;
};

export type CandidateSet = {
  /** Sorted by fixed cost, then location id: the search relies on this order. */
  readonly candidates: readonly Candidate[];
  readonly exclusions: readonly Exclusion[];
};

export type DecisionContext = {
  readonly order: Order;
  readonly ruleset: Ruleset;
  readonly atp: Atp;
  readonly isPriority: boolean;
  /** Decision time, epoch ms; without it cutoffs are not checked and dates are not estimated. */
  readonly now?: number;
};

const clockTimes = new Map<string, number | undefined>();

/** Minutes after local midnight of a location's cutoff for a service level ("HH:MM" texts are few: remembered). */
const cutoffOf = (location: Location, serviceLevel: string): number | undefined => {
  const text = location.cutoffs?.[serviceLevel];
  if (text === undefined) return undefined;
  if (!clockTimes.has(text)) clockTimes.set(text, parseClockTime(text));
  return clockTimes.get(text);
};

/** The first hard filter (other than stock) a location fails, or undefined when it passes them all. */
const failedFilter = (location: Location, context: DecisionContext, pastCutoff: boolean): Omit<Exclusion, 'networkIndex'> | undefined => {
  const { order, ruleset } = context;
  const { filters } = ruleset;
  if (filters.channel && location.channels && !location.channels.includes(order.channel)) {
    return { location, rule: 'channel', reason: `does not serve channel "${order.channel}" (serves ${location.channels.join(', ') || 'none'})` };
  }
  if (filters.market && location.markets && !location.markets.includes(order.destination.country)) {
    return { location, rule: 'market', reason: `does not ship to ${order.destination.country} (ships to ${location.markets.join(', ') || 'none'})` };
  }
  if (filters.capacity && location.dailyCapacity !== undefined) {
    const reserve = context.isPriority ? 0 : priorityReserveAt(ruleset, location.id);
    const left = location.dailyCapacity - (location.usedToday ?? 0) - reserve;
    if (left < 1) {
      const kept = reserve > 0 ? `, ${reserve} kept for priority orders` : '';
      return { location, rule: 'capacity', reason: `no shipment capacity left today (${location.usedToday ?? 0} of ${location.dailyCapacity} used${kept})` };
    }
  }
  if (filters.cutoff && pastCutoff) {
    return { location, rule: 'cutoff', reason: `past today's ${order.serviceLevel} cutoff ${location.cutoffs?.[order.serviceLevel]} (local time)` };
  }
  return undefined;
};

const unitCosts = (demands: readonly Demand[], perKg: number): number[] => {
  const costs = new Array<number>(demands.length);
  for (let d = 0; d < demands.length; d++) costs[d] = perKg * demands[d].weightKg;
  return costs;
};

const locationIndexes = new WeakMap<readonly Location[], { ids: string[]; index: Map<string, number> }>();

/** Location id → position in the network, cached per locations array and rebuilt if the array changed. */
const indexOfLocations = (locations: readonly Location[]): Map<string, number> => {
  const cached = locationIndexes.get(locations);
  if (cached && cached.ids.length === locations.length && cached.ids.every((id, i) => id === locations[i].id)) return cached.index;
  const ids = locations.map((location) => location.id);
  const index = new Map(ids.map((id, i) => [id, i]));
  locationIndexes.set(locations, { ids, index });
  return index;
};

/**
 * ATP of every demand at every location, row per location. A SKU held at few locations is read by
 * walking its own entries, which is cheaper than asking every location.
 */
const atpMatrix = (locations: readonly Location[], demands: readonly Demand[], atp: DecisionContext['atp']): Float64Array => {
  const width = demands.length;
  const matrix = new Float64Array(locations.length * width);
  const index = indexOfLocations(locations);
  for (let d = 0; d < width; d++) {
    const bySku = atp.get(demands[d].sku);
    if (!bySku) continue;
    if (bySku.size < locations.length) {
      bySku.forEach((units, locationId) => {
        const i = index.get(locationId);
        if (i !== undefined && units > 0) matrix[i * width + d] = units;
      });
    } else {
      for (let i = 0; i < locations.length; i++) matrix[i * width + d] = Math.max(0, bySku.get(locations[i].id) ?? 0);
    }
  }
  return matrix;
};

const byFixedCostThenId = (a: Candidate, b: Candidate): number =>
  a.fixedCost - b.fixedCost || (a.location.id < b.location.id ? -1 : a.location.id > b.location.id ? 1 : 0);

/** Applies the hard filters to every location and prices the survivors for this order. */
export const buildCandidates = (locations: readonly Location[], demands: readonly Demand[], context: DecisionContext): CandidateSet => {
  const { order, ruleset, now } = context;
  const { costModel } = ruleset;
  const transit = transitFor(ruleset, order.serviceLevel);
  const promised = order.promisedDate === undefined ? undefined : promisedDay(order.promisedDate);
  const stock = atpMatrix(locations, demands, context.atp);
  const width = demands.length;
  const weightless = costModel.perKgKm === 0 || demands.every((demand) => demand.weightKg === 0);
  const noWeightCost: readonly number[] = demands.map(() => 0);
  const candidates: Candidate[] = [];
  const exclusions: Exclusion[] = [];
  for (let networkIndex = 0; networkIndex < locations.length; networkIndex++) {
    const location = locations[networkIndex];
    let pastCutoff = false;
    let today: number | undefined;
    if (now !== undefined) {
      const local = now + (location.utcOffsetMinutes ?? 0) * MS_PER_MINUTE;
      today = Math.floor(local / MS_PER_DAY);
      const cutoff = cutoffOf(location, order.serviceLevel);
      pastCutoff = cutoff !== undefined && Math.floor((local - today * MS_PER_DAY) / MS_PER_MINUTE) >= cutoff;
    }
    const failed = failedFilter(location, context, pastCutoff);
    if (failed) {
      exclusions.push({ location, networkIndex, rule: failed.rule, reason: failed.reason });
      continue;
    }
    const atp = new Array<number>(width);
    let inStock = false;
    for (let d = 0; d < width; d++) {
      atp[d] = stock[networkIndex * width + d];
      if (atp[d] > 0) inStock = true;
    }
    if (!inStock) {
      exclusions.push({ location, networkIndex, rule: 'stock', reason: 'no ATP for any line of the order' });
      continue;
    }
    const distanceKm = greatCircleKm(location, order.destination);
    const transitDays = Math.max(transit.minDays, Math.ceil(distanceKm / transit.kmPerDay));
    let delivery: DeliveryEstimate = { transitDays };
    let latenessPenalty = 0;
    if (today !== undefined) {
      // With the cutoff filter off, a location past its cutoff may still ship, a day later.
      const shipDay = today + (pastCutoff ? 1 : 0);
      const deliveryDay = shipDay + transitDays;
      const shipDate = civilFromDays(shipDay);
      const deliveryDate = civilFromDays(deliveryDay);
      if (promised === undefined) delivery = { transitDays, shipDate, deliveryDate };
      else {
        const daysLate = Math.max(0, deliveryDay - promised);
        delivery = { transitDays, shipDate, deliveryDate, daysLate };
        latenessPenalty = daysLate * ruleset.latenessPenaltyPerDay;
      }
    }
    const shippingEstimate = costModel.base + costModel.perKm * distanceKm;
    const perKg = costModel.perKgKm * distanceKm;
    candidates.push({
      location,
      networkIndex,
      distanceKm,
      handlingCost: location.handlingCost,
      shippingEstimate,
      latenessPenalty,
      fixedCost: location.handlingCost + shippingEstimate + latenessPenalty,
      atp,
      unitCost: weightless ? noWeightCost : unitCosts(demands, perKg),
      delivery,
      inMarket: location.country === order.destination.country,
    });
  }
  candidates.sort(byFixedCostThenId);
  return { candidates, exclusions };
};
