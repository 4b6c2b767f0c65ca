import type { Candidate } from './candidates';

/** Members (candidate indices) and allocation of the greedy plan, and the units it could not place. */
export type GreedyPlan = {
  readonly members: readonly number[];
  readonly allocation: readonly (readonly number[])[];
  readonly missingUnits: number;
};

/** Units of a line a location can take on: all that remain, or (split lines) what it has. */
const unitsToShip = (atp: number, remaining: number, splitLines: boolean): number => {
  if (remaining === 0) return 0;
  if (splitLines) return Math.min(atp, remaining);
  return atp >= remaining ? remaining : 0;
};

/**
 * The greedy nearest-location baseline: the nearest location that has the whole order; else, again
 * and again, the location that can ship the most remaining lines (nearest first on ties), until every
 * line is placed, no location helps, or `maxShipments` is reached. It seeds the search's bound and is
 * what benchmarks compare the cost strategy against.
 */
export const greedyPlan = (
  candidates: readonly Candidate[],
  quantities: readonly number[],
  splitLines: boolean,
  maxShipments: number,
): GreedyPlan => {
  let whole = -1;
  for (let c = 0; c < candidates.length; c++) {
    if ((whole < 0 || candidates[c].distanceKm < candidates[whole].distanceKm) && quantities.every((wanted, d) => candidates[c].atp[d] >= wanted)) whole = c;
  }
  if (whole >= 0) return { members: [whole], allocation: [[...quantities]], missingUnits: 0 };
  const byDistance = candidates.map((_, c) => c).sort((a, b) => candidates[a].distanceKm - candidates[b].distanceKm || a - b);

  const remaining = [...quantities];
  const members: number[] = [];
  const allocation: number[][] = [];
  while (members.length < maxShipments) {
    let chosen = -1;
    let chosenLines = 0;
    for (const c of byDistance) {
      if (members.includes(c)) continue;
      const lines = remaining.reduce((count, _, d) => count + (unitsToShip(candidates[c].atp[d], remaining[d], splitLines) > 0 ? 1 : 0), 0);
      if (lines > chosenLines) {
        chosen = c;
        chosenLines = lines;
      }
    }
    if (chosen < 0) break;
    allocation.push(remaining.map((_, d) => unitsToShip(candidates[chosen].atp[d], remaining[d], splitLines)));
    allocation[allocation.length - 1].forEach((units, d) => (remaining[d] -= units));
    members.push(chosen);
  }
  return { members, allocation, missingUnits: remaining.reduce((sum, units) => sum + units, 0) };
};
