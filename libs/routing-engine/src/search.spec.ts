import fc from 'fast-check';
import { buildCandidates, type Candidate } from './candidates';
import { greedyPlan } from './greedy';
import type { Location } from './model';
import { completeRuleset } from './ruleset';
import { priceAllocation, searchPlans, type SearchProblem } from './search';
import { order, route, ruleset, stock } from './testing/fixtures';

// The bounded search: what it promises when its node budget runs out.

/** A grid of locations around Leeds; each holds one of the SKUs, so every order needs several shipments. */
const grid = (count: number): Location[] =>
  Array.from({ length: count }, (_, i) => ({ id: `L${String(i).padStart(2, '0')}`, lat: 52 + (i % 7) * 0.4, lon: -3 + Math.floor(i / 7) * 0.5, country: 'GB', handlingCost: 1 + (i % 5) * 0.3 }));

const candidatesFor = (locations: Location[], skus: string[], holdings: (i: number) => string[]): { candidates: readonly Candidate[]; quantities: number[] } => {
  const atp = stock(...locations.flatMap((location, i) => holdings(i).map((sku): [string, string, number] => [location.id, sku, 5])));
  const demands = skus.map((sku, lineIndex) => ({ lineIndex, sku, quantity: 1, weightKg: 0 }));
  const theOrder = order({ lines: skus.map((sku) => ({ sku, quantity: 1 })) });
  const { candidates } = buildCandidates(locations, demands, { order: theOrder, ruleset: ruleset(), atp, isPriority: false });
  return { candidates, quantities: demands.map((d) => d.quantity) };
};

const problem = (candidates: readonly Candidate[], quantities: number[], overrides: Partial<SearchProblem> = {}): SearchProblem => ({
  candidates,
  quantities,
  splitLines: false,
  maxShipments: 3,
  splitPenalty: 2,
  maxNodes: 50_000,
  allowPartial: false,
  objective: { kind: 'cost' },
  seedWithGreedy: true,
  ...overrides,
});

describe('bounded search', () => {
  const locations = grid(28);
  const skus = ['A', 'B', 'C'];
  const { candidates, quantities } = candidatesFor(locations, skus, (i) => [skus[i % 3]]);

  it('given a budget large enough, when searched, then it is exact and has examined every shipment count', () => {
    const outcome = searchPlans(problem(candidates, quantities));
    expect(outcome).toMatchObject({ exact: true, examinedUpTo: 3 });
    expect(outcome.best?.members).toHaveLength(3);
  });

  it('given a budget of 40 nodes, when searched, then it says it is not exact, how far it got, and still returns a plan no worse than greedy', () => {
    const exact = searchPlans(problem(candidates, quantities));
    const bounded = searchPlans(problem(candidates, quantities, { maxNodes: 40 }));
    const greedy = greedyPlan(candidates, quantities, false, 3);
    expect(bounded.exact).toBe(false);
    expect(bounded.nodes).toBe(40);
    expect(bounded.examinedUpTo).toBeLessThan(3);
    expect(bounded.best?.cost).toBeLessThanOrEqual(priceAllocation(candidates, greedy.members, greedy.allocation, 2) + 1e-9);
    expect(bounded.best?.cost).toBeGreaterThanOrEqual((exact.best?.cost ?? 0) - 1e-9);
  });

  it('given a budget that runs out in pass 1, when searched, then the greedy plan is still offered', () => {
    const bounded = searchPlans(problem(candidates, quantities, { maxNodes: 1 }));
    expect(bounded).toMatchObject({ exact: false, examinedUpTo: 0 });
    expect(bounded.best?.missingUnits).toBe(0);
  });

  it('given a ruleset with a tiny budget, when an order cannot be planned within it, then the decision records the inexact search', () => {
    const atp = stock(...locations.map((l, i): [string, string, number] => [l.id, skus[i % 3], 5]));
    const decision = route({ locations, atp, ruleset: ruleset({ search: { maxNodes: 5 } }) }, order({ lines: skus.map((sku) => ({ sku, quantity: 1 })) }));
    expect(decision.explanation.search).toMatchObject({ exact: false, nodes: 5, maxNodes: 5 });
    expect(decision.type).toBe('OrderRouted');
  });

  it('property: with any budget, the result is never worse than greedy, and is optimal among plans of fewer shipments than the pass it stopped in', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.array(fc.subarray(['A', 'B', 'C', 'D'], { minLength: 1 }), { minLength: 6, maxLength: 14 }),
        fc.subarray(['A', 'B', 'C', 'D'], { minLength: 2 }),
        (maxNodes, holdings, lines) => {
          const network = grid(holdings.length);
          const { candidates: cs, quantities: qs } = candidatesFor(network, lines, (i) => holdings[i]);
          const bounded = searchPlans(problem(cs, qs, { maxNodes }));
          const greedy = greedyPlan(cs, qs, false, 3);
          if (greedy.missingUnits === 0) expect(bounded.best?.cost).toBeLessThanOrEqual(priceAllocation(cs, greedy.members, greedy.allocation, 2) + 1e-9);
          if (bounded.examinedUpTo > 0) {
            const smaller = searchPlans(problem(cs, qs, { maxShipments: bounded.examinedUpTo }));
            if (smaller.best) expect(bounded.best?.cost).toBeLessThanOrEqual(smaller.best.cost + 1e-9);
          }
          expect(bounded.nodes).toBeLessThanOrEqual(maxNodes);
        },
      ),
      { numRuns: 300, seed: 12 },
    );
  });
});

describe('ranked search with a budget', () => {
  it('given a budget that runs out, when ranked, then the result is not exact but still a full plan', () => {
    const locations = grid(21);
    const atp = stock(...locations.map((l, i): [string, string, number] => [l.id, ['A', 'B', 'C'][i % 3], 5]));
    const rules = completeRuleset({ strategy: 'ranked', criteria: ['closest'], search: { maxNodes: 10 } });
    const decision = route({ locations, atp, ruleset: rules }, order({ lines: ['A', 'B', 'C'].map((sku) => ({ sku, quantity: 1 })) }));
    expect(decision.type).toBe('OrderRouted');
    expect(decision.explanation.search.exact).toBe(false);
  });
});
