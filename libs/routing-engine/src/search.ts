import type { Candidate } from './candidates';
import { greedyPlan } from './greedy';
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
   * Also consider the greedy baseline's plan, once the search reaches multi-shipment plans without a
   * bound: it starts the bound, and a search cut short by its budget is never worse than greedy.
   */
  readonly seedWithGreedy?: boolean;
};

/** A set of locations and its allocation: `allocation[m][d]` units of demand d ship from `members[m]`. */
export type PlanChoice = {
  readonly members: readonly number[];
  readonly allocation: readonly (readonly number[])[];
  readonly missingUnits: number;
  readonly cost: number;
  /** Values of the ranked criteria (rounded to 4 decimals), lower is better; empty for the cost strategy. */
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
const NO_SCORES: readonly number[] = [];

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

/** Ranked values are compared at the precision they are published with (4 decimals), so a tie in print is a tie. */
const roundScore = (value: number): number => Math.round(value * 10_000) / 10_000;

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
    if (a.scores[i] !== b.scores[i]) return a.scores[i] < b.scores[i];
  }
  return a.members.length < b.members.length;
};

/**
 * One run of the search. A class rather than closures so that the per-decision state lives in one
 * object and its methods are created once (closures would be re-created, and re-named by tsx, per call).
 */
class LocationSetSearch {
  private readonly candidates: readonly Candidate[];
  private readonly quantities: readonly number[];
  private readonly demandCount: number;
  private readonly costMode: boolean;
  /** fixedPrefix[i] = Σ fixed cost of candidates[0..i): the cheapest way to add more locations after one. */
  private readonly fixedPrefix: Float64Array;
  /** Highest candidate index that has a demand's whole quantity (-1: none). */
  private readonly lastCoverer: Int32Array;
  /** Split lines: suffixAtp[d][c] = Σ ATP of demand d at candidates c and after. */
  private readonly suffixAtp: Float64Array[] = [];
  /** Least weight cost any full plan pays. */
  private readonly weightBound: number = 0;

  // The current prefix and, incrementally, how many of its members cover each demand and their total ATP.
  private readonly prefix: number[] = [];
  private readonly coverCount: Int32Array;
  private readonly prefixAtp: Float64Array;

  private best: PlanChoice | undefined;
  private runnerUp: PlanChoice | undefined;
  private nodes = 0;
  private outOfBudget = false;
  private seedOffered = false;

  constructor(private readonly problem: SearchProblem) {
    const { candidates, quantities, splitLines, allowPartial } = problem;
    const n = candidates.length;
    this.candidates = candidates;
    this.quantities = quantities;
    this.demandCount = quantities.length;
    this.costMode = problem.objective.kind === 'cost';
    this.fixedPrefix = new Float64Array(n + 1);
    for (let c = 0; c < n; c++) this.fixedPrefix[c + 1] = this.fixedPrefix[c] + candidates[c].fixedCost;
    this.lastCoverer = new Int32Array(this.demandCount).fill(-1);
    for (let d = 0; d < this.demandCount; d++) {
      const suffix = splitLines ? new Float64Array(n + 1) : undefined;
      let cheapestUnit = Infinity;
      for (let c = n - 1; c >= 0; c--) {
        const atp = candidates[c].atp[d];
        if (suffix) suffix[c] = suffix[c + 1] + atp;
        if (atp >= quantities[d] && this.lastCoverer[d] < 0) this.lastCoverer[d] = c;
        if ((splitLines ? atp > 0 : atp >= quantities[d]) && candidates[c].unitCost[d] < cheapestUnit) cheapestUnit = candidates[c].unitCost[d];
      }
      if (suffix) this.suffixAtp.push(suffix);
      if (!allowPartial && cheapestUnit < Infinity) this.weightBound += cheapestUnit * quantities[d];
    }
    this.coverCount = new Int32Array(this.demandCount);
    this.prefixAtp = new Float64Array(this.demandCount);
  }

  run(): SearchOutcome {
    const { objective } = this.problem;
    const maxSize = Math.min(this.problem.maxShipments, this.candidates.length);
    let examinedUpTo = 0;
    let settled = false;
    for (let size = 1; size <= maxSize && !settled; size++) {
      // Single-location plans are all examined in pass 1, so the seed can only help from pass 2 on.
      if (size === 2 && this.runnerUp === undefined) this.offerSeed();
      this.extend(0, size, 0);
      if (this.outOfBudget) break;
      examinedUpTo = size;
      // Ranked by fewest shipments first: once a full plan and a runner-up are found, larger sets cannot win.
      settled = objective.kind === 'ranked' && objective.criteria[0] === 'minimiseShipments' && this.best?.missingUnits === 0 && this.runnerUp !== undefined;
    }
    // Out of budget, the greedy plan is still on the table: the result is never worse than greedy.
    if (this.outOfBudget) this.offerSeed();
    return { best: this.best, runnerUp: this.runnerUp, nodes: this.nodes, examinedUpTo, exact: !this.outOfBudget };
  }

  /** Extends the prefix (whose fixed costs sum to `prefixFixed`) to sets of exactly `size` members. */
  private extend(from: number, size: number, prefixFixed: number): void {
    const { candidates, prefix, fixedPrefix } = this;
    const { allowPartial, splitPenalty, maxNodes } = this.problem;
    const n = candidates.length;
    const still = size - prefix.length - 1;
    for (let c = from; c + still < n; c++) {
      const missing = this.missingBound(c);
      if (!allowPartial && missing > 0) break;
      const bound = this.runnerUp;
      const costBound = prefixFixed + candidates[c].fixedCost + fixedPrefix[c + 1 + still] - fixedPrefix[c + 1] + splitPenalty * (size - 1) + this.weightBound;
      // Both bounds only grow with c (candidates are sorted by fixed cost), so nothing later can do better either.
      if (this.costMode && bound && (missing > bound.missingUnits || (missing === bound.missingUnits && costBound >= bound.cost - EPSILON))) break;
      if (bound && this.rankedCannotWin(c, size, missing, costBound, bound)) continue;
      if (!this.isUseful(c)) continue;
      if (this.nodes >= maxNodes) {
        this.outOfBudget = true;
        return;
      }
      this.nodes++;
      prefix.push(c);
      this.track(c, 1);
      if (still === 0) {
        const plan = allowPartial || this.prefixCoversAll() ? this.evaluate(prefix) : undefined;
        if (plan) this.offer(plan);
      } else {
        this.extend(c + 1, size, prefixFixed + candidates[c].fixedCost);
      }
      this.track(c, -1);
      prefix.pop();
      if (this.outOfBudget) return;
    }
  }

  /** Adds (sign 1) or removes (sign -1) candidate c from the prefix's coverage counts. */
  private track(c: number, sign: 1 | -1): void {
    const atp = this.candidates[c].atp;
    for (let d = 0; d < this.demandCount; d++) {
      if (atp[d] >= this.quantities[d]) this.coverCount[d] += sign;
      this.prefixAtp[d] += sign * atp[d];
    }
  }

  /** Units no set extending the prefix with candidates from `from` on can ship. */
  private missingBound(from: number): number {
    let missing = 0;
    for (let d = 0; d < this.demandCount; d++) {
      if (this.problem.splitLines) missing += Math.max(0, this.quantities[d] - this.prefixAtp[d] - this.suffixAtp[d][from]);
      else if (this.coverCount[d] === 0 && this.lastCoverer[d] < from) missing += this.quantities[d];
    }
    return missing;
  }

  /** Can candidate c ship something the prefix cannot ship as cheaply? Sets with a useless member are never better. */
  private isUseful(c: number): boolean {
    const { candidates, quantities } = this;
    const { splitLines } = this.problem;
    const candidate = candidates[c];
    for (let d = 0; d < this.demandCount; d++) {
      const atp = candidate.atp[d];
      if (splitLines ? atp <= 0 : atp < quantities[d]) continue;
      if (!splitLines && this.coverCount[d] === 0) return true;
      // The ranked strategy counts coverage only; the cost strategy also counts a cheaper unit cost (weight).
      let asCheap = 0;
      for (const p of this.prefix) {
        const other = candidates[p];
        if ((!this.costMode || other.unitCost[d] <= candidate.unitCost[d]) && (splitLines || other.atp[d] >= quantities[d])) asCheap += other.atp[d];
      }
      if (asCheap < quantities[d]) return true;
    }
    return false;
  }

  /** Does the prefix ship every unit (so a full plan may exist)? */
  private prefixCoversAll(): boolean {
    for (let d = 0; d < this.demandCount; d++) {
      if (this.problem.splitLines ? this.prefixAtp[d] < this.quantities[d] : this.coverCount[d] === 0) return false;
    }
    return true;
  }

  /** Ranked: can no plan of `size` members containing the prefix and c beat the runner-up? */
  private rankedCannotWin(c: number, size: number, missing: number, costBound: number, bound: PlanChoice): boolean {
    const { objective } = this.problem;
    if (objective.kind !== 'ranked') return false;
    if (missing !== bound.missingUnits) return missing > bound.missingUnits;
    for (let i = 0; i < objective.criteria.length; i++) {
      // Rounding is monotone, so a rounded lower bound still bounds the rounded scores.
      const lower = roundScore(scoreBound(objective.criteria[i], this.candidates, this.prefix, c, size, costBound, objective.rankOf));
      if (lower > bound.scores[i]) return true;
      if (lower < bound.scores[i]) return false;
    }
    return true;
  }

  /**
   * The plan of exactly these members, or undefined when one of them would ship nothing (a smaller set
   * is that plan) or, unless partial plans are allowed, units are left over. `dropUnused` evaluates the
   * smaller set instead.
   */
  private evaluate(members: readonly number[], dropUnused = false): PlanChoice | undefined {
    const { candidates, quantities, demandCount } = this;
    const { splitLines, allowPartial, splitPenalty, objective } = this.problem;
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
    if (unused.some(Boolean)) return dropUnused ? this.evaluate(members.filter((_, m) => !unused[m])) : undefined;
    if (members.length === 0) return undefined;
    const cost = priceAllocation(candidates, members, allocation, splitPenalty);
    // Object literals, not spreads: spreading on this path costs more than the evaluation itself.
    const plan = { members: members.slice(), allocation, missingUnits, cost, scores: NO_SCORES };
    if (objective.kind === 'ranked') plan.scores = objective.criteria.map((criterion) => roundScore(scoreOf(criterion, candidates, plan, objective.rankOf)));
    return plan;
  }

  /** Keeps the best two plans over distinct location sets. */
  private offer(plan: PlanChoice): void {
    const { best, runnerUp } = this;
    if ((best && sameMembers(best.members, plan.members)) || (runnerUp && sameMembers(runnerUp.members, plan.members))) return;
    if (!best || isBetter(plan, best)) {
      this.runnerUp = best;
      this.best = plan;
    } else if (!runnerUp || isBetter(plan, runnerUp)) {
      this.runnerUp = plan;
    }
  }

  private offerSeed(): void {
    if (this.seedOffered) return;
    this.seedOffered = true;
    const { candidates, quantities } = this;
    const { seedWithGreedy, splitLines, maxShipments } = this.problem;
    const seed = seedWithGreedy ? greedyPlan(candidates, quantities, splitLines, maxShipments).members : [];
    const seeded = seed.length > 0 ? this.evaluate([...seed].sort((a, b) => a - b), true) : undefined;
    if (seeded) this.offer(seeded);
  }
}

export const searchPlans = (problem: SearchProblem): SearchOutcome => new LocationSetSearch(problem).run();
