import { buildCandidates, type Candidate, type CandidateSet, type Demand, type DecisionContext } from './candidates';
import type { Disposition, LineReason, Plan, RoutingDecision, Shipment, UnfulfilledLine } from './decision';
import { explain, planCost, roundBreakdown, roundKm, roundShipmentCost, shipmentCost } from './explain';
import type { Atp, BackOrderPolicy, Network, Order } from './model';
import type { Ruleset } from './ruleset';
import { searchPlans, type Objective, type PlanChoice, type SearchOutcome } from './search';

export type RoutingRequest = {
  readonly order: Order;
  readonly network: Network;
  readonly atp: Atp;
  readonly ruleset: Ruleset;
  /** Decision time in epoch ms, for cutoffs, ship dates and lateness; without it those are skipped. */
  readonly now?: number;
};

type Limits = { readonly maxShipments: number; readonly splitLines: boolean };

const objectives = new WeakMap<Ruleset, Objective>();

/** The search objective of a ruleset, built once per ruleset. */
const objectiveOf = (ruleset: Ruleset): Objective => {
  let objective = objectives.get(ruleset);
  if (objective) return objective;
  if (ruleset.strategy === 'cost') objective = { kind: 'cost' };
  else {
    const ranks = new Map(ruleset.locationRanking.map((id, i) => [id, i]));
    const unranked = ruleset.locationRanking.length;
    objective = { kind: 'ranked', criteria: ruleset.criteria, rankOf: (candidate) => ranks.get(candidate.location.id) ?? unranked };
  }
  objectives.set(ruleset, objective);
  return objective;
};

export const isPriorityOrder = (order: Order, ruleset: Ruleset): boolean =>
  order.priority === 'PRIORITY' || (order.customerTier !== undefined && ruleset.priority.tiers.includes(order.customerTier));

export const backOrderPolicyFor = (order: Order, ruleset: Ruleset): BackOrderPolicy =>
  order.backOrderPolicy ?? ruleset.backOrder.byChannel[order.channel] ?? ruleset.backOrder.policy;

/** One demand per distinct SKU; later lines repeating a SKU are reported, not planned. */
const demandsOf = (order: Order): { demands: Demand[]; duplicateLines: number[] } => {
  const seen = new Set<string>();
  const demands: Demand[] = [];
  const duplicateLines: number[] = [];
  order.lines.forEach((line, lineIndex) => {
    if (seen.has(line.sku)) duplicateLines.push(lineIndex);
    else demands.push({ lineIndex, sku: line.sku, quantity: line.quantity, weightKg: line.weightKg ?? 0 });
    seen.add(line.sku);
  });
  return { demands, duplicateLines };
};

const search = (candidates: readonly Candidate[], quantities: number[], ruleset: Ruleset, limits: Limits, allowPartial: boolean): SearchOutcome => {
  return searchPlans({
    candidates,
    quantities,
    maxShipments: limits.maxShipments,
    splitLines: limits.splitLines,
    splitPenalty: ruleset.splitPenalty,
    maxNodes: ruleset.search.maxNodes,
    allowPartial,
    objective: objectiveOf(ruleset),
    seedWithGreedy: true,
  });
};

const toPlan = (candidates: readonly Candidate[], demands: readonly Demand[], choice: PlanChoice, splitPenalty: number): Plan => {
  const shipments: Shipment[] = choice.members.map((c, m) => {
    const candidate = candidates[c];
    const cost = shipmentCost(candidate, choice.allocation[m]);
    return {
      locationId: candidate.location.id,
      lines: demands.flatMap((demand, d) => (choice.allocation[m][d] > 0 ? [{ sku: demand.sku, quantity: choice.allocation[m][d] }] : [])),
      distanceKm: roundKm(candidate.distanceKm),
      cost: roundShipmentCost(cost),
      estimatedDelivery: candidate.delivery,
    };
  });
  return { shipments, cost: roundBreakdown(planCost(candidates, choice, splitPenalty)) };
};

/** Why a demand cannot ship (in full) on its own, or undefined when some eligible location(s) could ship it. */
const lineOnItsOwn = (demand: Demand, d: number, candidateSet: CandidateSet, atp: Atp, limits: Limits): LineReason | undefined => {
  const inNetwork = atp.get(demand.sku);
  const networkUnits = inNetwork ? [...inNetwork.values()].reduce((sum, units) => sum + units, 0) : 0;
  if (networkUnits === 0) return { code: 'NO_STOCK', message: `no location has ATP for ${demand.sku}` };
  let eligibleUnits = 0;
  let most = 0;
  let mostAt = '';
  for (const candidate of candidateSet.candidates) {
    eligibleUnits += candidate.atp[d];
    if (candidate.atp[d] > most) [most, mostAt] = [candidate.atp[d], candidate.location.id];
  }
  const excludedWithStock = candidateSet.exclusions
    .filter((exclusion) => (inNetwork?.get(exclusion.location.id) ?? 0) > 0)
    .map((exclusion) => `${exclusion.location.id} (${exclusion.rule})`);
  if (eligibleUnits === 0) {
    return { code: 'STOCK_ONLY_AT_EXCLUDED_LOCATIONS', message: `${demand.sku} is in stock only at excluded locations: ${excludedWithStock.join(', ')}` };
  }
  if (eligibleUnits < demand.quantity) {
    const elsewhere = excludedWithStock.length > 0 ? `; more at excluded locations: ${excludedWithStock.join(', ')}` : '';
    return { code: 'NOT_ENOUGH_STOCK', message: `${demand.quantity} units of ${demand.sku} wanted, ${eligibleUnits} available at eligible locations${elsewhere}` };
  }
  if (!limits.splitLines && most < demand.quantity) {
    return {
      code: 'NOT_AT_ONE_LOCATION',
      message: `no single eligible location has ${demand.quantity} units of ${demand.sku} (most is ${most} at ${mostAt}) and lines may not be split`,
    };
  }
  return undefined;
};

const togetherReason = (outcome: SearchOutcome, limits: Limits, demand: Demand): LineReason =>
  outcome.exact
    ? {
        code: 'EXCEEDS_MAX_SHIPMENTS',
        message: `${demand.sku} can ship on its own, but not together with the other lines within ${limits.maxShipments} shipment(s)`,
      }
    : { code: 'SEARCH_LIMIT', message: `no plan shipping ${demand.sku} with the other lines was found within the search limit` };

export const routeOrder = (request: RoutingRequest): RoutingDecision => {
  const { order, network, atp, ruleset, now } = request;
  const isPriority = isPriorityOrder(order, ruleset);
  const policy = backOrderPolicyFor(order, ruleset);
  const { demands, duplicateLines } = demandsOf(order);
  const context: DecisionContext = { order, ruleset, atp, isPriority, now };
  const candidateSet = buildCandidates(network.locations, demands, context);
  const { candidates } = candidateSet;
  const quantities = demands.map((demand) => demand.quantity);
  const allowPartial = policy === 'ship-available' || policy === 'cancel-unavailable';

  let limits: Limits = { maxShipments: ruleset.maxShipments, splitLines: ruleset.splitLines };
  let outcome = search(candidates, quantities, ruleset, limits, allowPartial);
  let relaxedBySplitPolicy = false;
  if (policy === 'split' && outcome.best === undefined) {
    const relaxed = { maxShipments: ruleset.backOrder.splitMaxShipments, splitLines: true };
    const retry = search(candidates, quantities, ruleset, relaxed, false);
    if (retry.best) [limits, outcome, relaxedBySplitPolicy] = [relaxed, retry, true];
  }

  const explanation = explain({
    locations: network.locations,
    candidateSet,
    outcome,
    ruleset,
    quantities,
    maxNodes: ruleset.search.maxNodes,
    header: { backOrderPolicy: policy, priority: isPriority, limits: { maxShipments: limits.maxShipments, splitLines: limits.splitLines, relaxedBySplitPolicy } },
  });

  const disposition: Disposition = policy === 'cancel-unavailable' ? 'cancelled' : 'held';
  const duplicates: UnfulfilledLine[] = duplicateLines.map((lineIndex) => ({
    lineIndex,
    sku: order.lines[lineIndex].sku,
    quantity: order.lines[lineIndex].quantity,
    disposition,
    reason: { code: 'DUPLICATE_SKU', message: `line ${lineIndex + 1} repeats ${order.lines[lineIndex].sku}: merge lines of the same SKU into one` },
  }));
  const best = outcome.best;
  const shipsAll = best !== undefined && best.missingUnits === 0 && duplicates.length === 0;

  if (best && (shipsAll || allowPartial)) {
    const unfulfilled: UnfulfilledLine[] = [];
    demands.forEach((demand, d) => {
      const shipped = best.allocation.reduce((sum, units) => sum + units[d], 0);
      if (shipped >= demand.quantity) return;
      const reason = lineOnItsOwn(demand, d, candidateSet, atp, limits) ?? togetherReason(outcome, limits, demand);
      unfulfilled.push({ lineIndex: demand.lineIndex, sku: demand.sku, quantity: demand.quantity - shipped, disposition, reason });
    });
    return {
      type: 'OrderRouted',
      orderId: order.id,
      plan: toPlan(candidates, demands, best, ruleset.splitPenalty),
      unfulfilled: [...unfulfilled, ...duplicates].sort((a, b) => a.lineIndex - b.lineIndex),
      explanation,
    };
  }

  const onTheirOwn = demands.map((demand, d) => lineOnItsOwn(demand, d, candidateSet, atp, limits));
  const someLineBlocked = duplicates.length > 0 || onTheirOwn.some((reason) => reason !== undefined);
  const lines: UnfulfilledLine[] = demands.map((demand, d) => ({
    lineIndex: demand.lineIndex,
    sku: demand.sku,
    quantity: demand.quantity,
    disposition,
    reason:
      onTheirOwn[d] ??
      (someLineBlocked
        ? { code: 'HELD_WITH_ORDER', message: `${demand.sku} could ship, but the order waits for its other lines (back-order policy ${policy})` }
        : togetherReason(outcome, limits, demand)),
  }));
  return {
    type: 'OrderUnroutable',
    orderId: order.id,
    disposition,
    lines: [...lines, ...duplicates].sort((a, b) => a.lineIndex - b.lineIndex),
    explanation,
  };
};
