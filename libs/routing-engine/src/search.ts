import type { Candidate } from './candidates';
import type { RankingCriterion } from './ruleset';

// The location-set search shared by both strategies. A plan is a set of candidate locations (each
// ships at least one unit) plus how the demands are allocated to them. The search enumerates sets by
// iterative deepening on the number of shipments (1, then 2, ...), so if its node budget runs out
// while examining k-shipment sets, every plan of fewer than k shipments has still been examined.
// See docs/routing.md, "Exactness".

export type Objective =
  | { readonly kind: 'cost' }
  | {
      readonly kind: 'ranked';
      readonly criteria: readonly RankingCriterion[];
      /** Position in the ruleset's location ranking; unranked locations share the last place. */
      readonly rankOf: (candidate: Candidate) => number;
    };

export type SearchProblem = {
  /** Sorted by fixed cost ascending: the cost bound relies on it. */
  readonly candidates: readonly Candidate[];
  /** Units wanted per demand (index-aligned with each candidate's `atp` and `unitCost`). */
  readonly quantities: readonly number[];
  readonly splitLines: boolean;
  readonly maxShipments: number;
  readonly splitPenalty: number;
  readonly maxNodes: number;
  /** May a plan leave units unshipped? Then fewer missing units beats lower cost. */
  readonly allowPartial: boolean;
  readonly objective: Objective;
  /**
   * Candidate indices of a known plan (the greedy one), asked for only when the search reaches
   * multi-shipment plans without a bound: it starts the bound, and a search cut short by its budget
   * is never worse than it.
   */
  readonly seed?: () => readonly number[];
};

/** A set of locations and its allocation: `allocation[m][d]` units of demand d ship from `members[m]`. */
export type PlanChoice = {
  readonly members: readonly number[];
  readonly allocation: readonly (readonly number[])[];
  readonly missingUnits: number;
  readonly cost: number;
  /** Values of the ranked criteria, lower is better; empty for the cost strategy. */
  readonly scores: readonly number[];
};

export type SearchOutcome = {
  readonly best?: PlanChoice;
  /** The next best plan over a different set of locations. */
  readonly runnerUp?: PlanChoice;
  readonly nodes: number;
  /** Every plan of up to this many shipments was examined or soundly pruned. */
  readonly examinedUpTo: number;
  /** True when the result is optimal among all plans the ruleset allows. */
  readonly exact: boolean;
};

const EPSILON = 1e-9;

/** Total cost of a set of candidates shipping the given allocation (handling + shipping + lateness + split penalty). */
export const priceAllocation = (
  candidates: readonly Candidate[],
  members: readonly number[],
  allocation: readonly (readonly number[])[],
  splitPenalty: number,
): number => {
  let cost = splitPenalty * Math.max(0, members.length - 1);
  members.forEach((c, m) => {
    const candidate = candidates[c];
    cost += candidate.fixedCost;
    allocation[m].forEach((units, d) => (cost += units * candidate.unitCost[d]));
  });
  return cost;
};

type PerLocationCriterion = 'stayInMarket' | 'locationPriority' | 'closest';

/** What one location adds to a per-location criterion: never negative, so a prefix bounds its extensions. */
const locationScore = (criterion: PerLocationCriterion, candidate: Candidate, rankOf: (candidate: Candidate) => number): number =>
  criterion === 'stayInMarket' ? (candidate.inMarket ? 0 : 1) : criterion === 'locationPriority' ? rankOf(candidate) : candidate.distanceKm;

/** Value of one ranked criterion for a plan; lower is better. */
const scoreOf = (criterion: RankingCriterion, candidates: readonly Candidate[], plan: Omit<PlanChoice, 'scores'>, rankOf: (candidate: Candidate) => number): number => {
  if (criterion === 'minimiseShipments') return plan.members.length;
  if (criterion === 'lowestCost') return plan.cost;
  let score = 0;
  for (let m = 0; m < plan.members.length; m++) {
    const candidate = candidates[plan.members[m]];
    if (criterion !== 'highestStock') {
      score += locationScore(criterion, candidate, rankOf);
      continue;
    }
    // highestStock, negated so that lower is better: more ATP where each line is picked.
    const units = plan.allocation[m];
    for (let d = 0; d < units.length; d++) if (units[d] > 0) score -= candidate.atp[d];
  }
  return score;
};

/** A lower bound of a criterion over every plan of `size` members that contains the prefix and candidate c. */
const scoreBound = (
  criterion: RankingCriterion,
  candidates: readonly Candidate[],
  prefix: readonly number[],
  c: number,
  size: number,
  costBound: number,
  rankOf: (candidate: Candidate) => number,
): number => {
  if (criterion === 'minimiseShipments') return size;
  if (criterion === 'lowestCost') return costBound;
  if (criterion === 'highestStock') return -Infinity;
  let bound = locationScore(criterion, candidates[c], rankOf);
  for (const p of prefix) bound += locationScore(criterion, candidates[p], rankOf);
  return bound;
};

const sameMembers = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((c, i) => c === b[i]);

/** Is `a` strictly better than `b`? Fewer missing units, then the objective, then fewer shipments. */
const isBetter = (a: PlanChoice, b: PlanChoice): boolean => {
  if (a.missingUnits !== b.missingUnits) return a.missingUnits < b.missingUnits;
  if (a.scores.length === 0) {
    if (a.cost < b.cost - EPSILON) return true;
    if (a.cost > b.cost + EPSILON) return false;
  }
  for (let i = 0; i < a.scores.length; i++) {
    if (a.scores[i] < b.scores[i] - EPSILON) return true;
    if (a.scores[i] > b.scores[i] + EPSILON) return false;
  }
  return a.members.length < b.members.length;
};

export const searchPlans = (problem: SearchProblem): SearchOutcome => {
  const { candidates, quantities, splitLines, splitPenalty, allowPartial, objective } = problem;
  const n = candidates.length;
  const demandCount = quantities.length;
  const maxSize = Math.min(problem.maxShipments, n);
  const costMode = objective.kind === 'cost';

  // fixedPrefix[i] = Σ fixed cost of candidates[0..i): the cheapest way to add r more locations after idx.
  const fixedPrefix = new Float64Array(n + 1);
  for (let c = 0; c < n; c++) fixedPrefix[c + 1] = fixedPrefix[c] + candidates[c].fixedCost;

  // For the missing-units bound: what candidates from index idx on can still contribute to each demand.
  const lastCoverer = new Int32Array(demandCount).fill(-1);
  const suffixAtp: Float64Array[] = [];
  let weightBound = 0;
  for (let d = 0; d < demandCount; d++) {
    const suffix = splitLines ? new Float64Array(n + 1) : undefined;
    let cheapestUnit = Infinity;
    for (let c = n - 1; c >= 0; c--) {
      const atp = candidates[c].atp[d];
      if (suffix) suffix[c] = suffix[c + 1] + atp;
      if (atp >= quantities[d] && lastCoverer[d] < 0) lastCoverer[d] = c;
      if ((splitLines ? atp > 0 : atp >= quantities[d]) && candidates[c].unitCost[d] < cheapestUnit) cheapestUnit = candidates[c].unitCost[d];
    }
    if (suffix) suffixAtp.push(suffix);
    if (!allowPartial && cheapestUnit < Infinity) weightBound += cheapestUnit * quantities[d];
  }

  let best: PlanChoice | undefined;
  let runnerUp: PlanChoice | undefined;
  let nodes = 0;

  const offer = (plan: PlanChoice): void => {
    if ((best && sameMembers(best.members, plan.members)) || (runnerUp && sameMembers(runnerUp.members, plan.members))) return;
    if (!best || isBetter(plan, best)) {
      runnerUp = best;
      best = plan;
    } else if (!runnerUp || isBetter(plan, runnerUp)) {
      runnerUp = plan;
    }
  };

  /**
   * The plan of exactly these members, or undefined when one of them would ship nothing (a smaller set
   * is that plan) or, unless partial plans are allowed, units are left over. `dropUnused` evaluates the
   * smaller set instead.
   */
  const evaluate = (members: readonly number[], dropUnused = false): PlanChoice | undefined => {
    const allocation = members.map(() => new Array<number>(demandCount).fill(0));
    let missingUnits = 0;
    for (let d = 0; d < demandCount; d++) {
      const wanted = quantities[d];
      if (!splitLines) {
        let chosen = -1;
        let chosenUnit = Infinity;
        for (let m = 0; m < members.length; m++) {
          const candidate = candidates[members[m]];
          if (candidate.atp[d] >= wanted && candidate.unitCost[d] < chosenUnit) {
            chosen = m;
            chosenUnit = candidate.unitCost[d];
          }
        }
        if (chosen < 0) missingUnits += wanted;
        else allocation[chosen][d] = wanted;
        continue;
      }
      // Split lines: fill from the cheapest unit cost up; per-unit costs are linear, so this is optimal.
      let remaining = wanted;
      while (remaining > 0) {
        let chosen = -1;
        for (let m = 0; m < members.length; m++) {
          const candidate = candidates[members[m]];
          if (allocation[m][d] === 0 && candidate.atp[d] > 0 && (chosen < 0 || candidate.unitCost[d] < candidates[members[chosen]].unitCost[d])) chosen = m;
        }
        if (chosen < 0) break;
        const units = Math.min(remaining, candidates[members[chosen]].atp[d]);
        allocation[chosen][d] = units;
        remaining -= units;
      }
      missingUnits += remaining;
    }
    if (!allowPartial && missingUnits > 0) return undefined;
    const unused = allocation.map((units) => !units.some((u) => u > 0));
    if (unused.some(Boolean)) return dropUnused ? evaluate(members.filter((_, m) => !unused[m])) : undefined;
    if (members.length === 0) return undefined;
    const cost = priceAllocation(candidates, members, allocation, splitPenalty);
    const plan = { members: [...members], allocation, missingUnits, cost };
    if (objective.kind === 'cost') return { ...plan, scores: [] };
    return { ...plan, scores: objective.criteria.map((criterion) => scoreOf(criterion, candidates, plan, objective.rankOf)) };
  };

  // Incremental state of the current prefix: how many members cover each demand (whole line) and their total ATP.
  const coverCount = new Int32Array(demandCount);
  const prefixAtp = new Float64Array(demandCount);
  const prefix: number[] = [];

  const push = (c: number, sign: 1 | -1): void => {
    const atp = candidates[c].atp;
    for (let d = 0; d < demandCount; d++) {
      if (atp[d] >= quantities[d]) coverCount[d] += sign;
      prefixAtp[d] += sign * atp[d];
    }
  };

  /** Units no set extending the prefix with candidates from `from` on can ship. */
  const missingBound = (from: number): number => {
    let missing = 0;
    for (let d = 0; d < demandCount; d++) {
      if (splitLines) missing += Math.max(0, quantities[d] - prefixAtp[d] - suffixAtp[d][from]);
      else if (coverCount[d] === 0 && lastCoverer[d] < from) missing += quantities[d];
    }
    return missing;
  };

  /** Can candidate c ship something the prefix cannot ship as cheaply? Sets with a useless member are never better. */
  const isUseful = (c: number): boolean => {
    const candidate = candidates[c];
    for (let d = 0; d < demandCount; d++) {
      const atp = candidate.atp[d];
      if (splitLines ? atp <= 0 : atp < quantities[d]) continue;
      if (!splitLines && coverCount[d] === 0) return true;
      // The ranked strategy counts coverage only; the cost strategy also counts a cheaper unit cost (weight).
      let asCheap = 0;
      for (const p of prefix) {
        const other = candidates[p];
        if ((!costMode || other.unitCost[d] <= candidate.unitCost[d]) && (splitLines || other.atp[d] >= quantities[d])) asCheap += other.atp[d];
      }
      if (asCheap < quantities[d]) return true;
    }
    return false;
  };

  /** Does the prefix ship every unit (so a full plan may exist)? */
  const prefixCoversAll = (): boolean => {
    for (let d = 0; d < demandCount; d++) if (splitLines ? prefixAtp[d] < quantities[d] : coverCount[d] === 0) return false;
    return true;
  };

  /** Ranked: can no plan of `size` members containing the prefix and c beat the runner-up? */
  const rankedCannotWin = (c: number, size: number, missing: number, fixedCostBound: number, bound: PlanChoice): boolean => {
    if (objective.kind !== 'ranked') return false;
    if (missing !== bound.missingUnits) return missing > bound.missingUnits;
    for (let i = 0; i < objective.criteria.length; i++) {
      const lower = scoreBound(objective.criteria[i], candidates, prefix, c, size, fixedCostBound, objective.rankOf);
      if (lower > bound.scores[i] + EPSILON) return true;
      if (lower < bound.scores[i] - EPSILON) return false;
    }
    return true;
  };

  let outOfBudget = false;

  /** Extends the prefix (sum of fixed costs `prefixFixed`) to sets of exactly `size` members. */
  const extend = (from: number, size: number, prefixFixed: number): void => {
    const still = size - prefix.length - 1;
    for (let c = from; c + still < n; c++) {
      const missing = missingBound(c);
      if (!allowPartial && missing > 0) break;
      const bound = runnerUp;
      const costBound = prefixFixed + candidates[c].fixedCost + fixedPrefix[c + 1 + still] - fixedPrefix[c + 1] + splitPenalty * (size - 1) + weightBound;
      // Both bounds only grow with c (candidates are sorted by fixed cost), so nothing later can do better either.
      if (costMode && bound && (missing > bound.missingUnits || (missing === bound.missingUnits && costBound >= bound.cost - EPSILON))) break;
      if (bound && rankedCannotWin(c, size, missing, costBound, bound)) continue;
      if (!isUseful(c)) continue;
      if (nodes >= problem.maxNodes) {
        outOfBudget = true;
        return;
      }
      nodes++;
      prefix.push(c);
      push(c, 1);
      if (still === 0) {
        const plan = allowPartial || prefixCoversAll() ? evaluate(prefix) : undefined;
        if (plan) offer(plan);
      } else {
        extend(c + 1, size, prefixFixed + candidates[c].fixedCost);
      }
      push(c, -1);
      prefix.pop();
      if (outOfBudget) return;
    }
  };

  let seedOffered = false;
  const offerSeed = (): void => {
    if (seedOffered) return;
    seedOffered = true;
    const seed = problem.seed?.() ?? [];
    const seeded = seed.length > 0 ? evaluate([...seed].sort((a, b) => a - b), true) : undefined;
    if (seeded) offer(seeded);
  };

  let examinedUpTo = 0;
  let settled = false;
  for (let size = 1; size <= maxSize && !outOfBudget && !settled; size++) {
    // Single-location plans are all examined in pass 1, so the seed can only help from pass 2 on.
    if (size === 2 && runnerUp === undefined) offerSeed();
    extend(0, size, 0);
    if (outOfBudget) break;
    examinedUpTo = size;
    // Ranked by fewest shipments first: once a full plan and a runner-up are found, larger sets cannot win.
    settled =
      objective.kind === 'ranked' && objective.criteria[0] === 'minimiseShipments' && best?.missingUnits === 0 && runnerUp !== undefined;
  }
  // Out of budget, the greedy plan is still on the table: the result is never worse than greedy.
  if (outOfBudget) offerSeed();
  return { best, runnerUp, nodes, examinedUpTo, exact: !outOfBudget };
};
