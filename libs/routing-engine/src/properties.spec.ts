import fc from 'fast-check';
import { buildCandidates, type Candidate } from './candidates';
import { greedyPlan } from './greedy';
import { atpAt, atpFromRecords, BACK_ORDER_POLICIES, type Atp, type Location, type Order } from './model';
import { backOrderPolicyFor, isPriorityOrder, routeOrder } from './route';
import { completeRuleset, priorityReserveAt, RANKING_CRITERIA, type RankingCriterion, type Ruleset } from './ruleset';
import { priceAllocation } from './search';

// Properties over small random networks. The exhaustive search below is written independently of the
// engine's search: it tries every set of locations and every way to allocate the lines to them.

const SKUS = ['A', 'B', 'C', 'D'];
const CHANNELS = ['web', 'store'];
const COUNTRIES = ['GB', 'FR'];

const mostlyAbsent = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: arb, weight: 1 });

const locationArb = (id: string): fc.Arbitrary<Location> =>
  fc.record(
    {
      id: fc.constant(id),
      lat: fc.double({ min: 43, max: 58, noNaN: true }),
      lon: fc.double({ min: -6, max: 8, noNaN: true }),
      country: fc.constantFrom(...COUNTRIES),
      handlingCost: fc.double({ min: 0, max: 4, noNaN: true }),
      // Mostly unrestricted, so that most orders reach the search; sometimes filtered out.
      channels: mostlyAbsent(fc.subarray(CHANNELS)),
      markets: mostlyAbsent(fc.subarray(COUNTRIES, { minLength: 1 })),
      dailyCapacity: mostlyAbsent(fc.integer({ min: 0, max: 3 })),
      usedToday: fc.integer({ min: 0, max: 2 }),
    },
    { requiredKeys: ['id', 'lat', 'lon', 'country', 'handlingCost', 'usedToday'] },
  ).map((location) => Object.fromEntries(Object.entries(location).filter(([, value]) => value !== undefined)) as unknown as Location);

type World = { locations: Location[]; atp: Atp; order: Order; ruleset: Ruleset };

const worldArb = (options: { policies: readonly Order['backOrderPolicy'][]; maxLocations: number }): fc.Arbitrary<World> =>
  fc
    .integer({ min: 2, max: options.maxLocations })
    .chain((count) =>
      fc.record({
        locations: fc.tuple(...Array.from({ length: count }, (_, i) => locationArb(`L${i}`))),
        // ATP of every SKU at every location, zero a third of the time.
        stock: fc.array(fc.oneof({ arbitrary: fc.constant(0), weight: 1 }, { arbitrary: fc.integer({ min: 1, max: 4 }), weight: 2 }), {
          minLength: count * SKUS.length,
          maxLength: count * SKUS.length,
        }),
        lines: fc.uniqueArray(
          fc.record({ sku: fc.constantFrom(...SKUS), quantity: fc.integer({ min: 1, max: 3 }), weightKg: fc.option(fc.double({ min: 0, max: 10, noNaN: true }), { nil: undefined }) }),
          { minLength: 1, maxLength: 4, selector: (line) => line.sku },
        ),
        channel: fc.constantFrom(...CHANNELS),
        country: fc.constantFrom(...COUNTRIES),
        priority: fc.constantFrom('STANDARD' as const, 'PRIORITY' as const),
        policy: fc.constantFrom(...options.policies),
        maxShipments: fc.integer({ min: 1, max: 3 }),
        splitLines: fc.boolean(),
        splitPenalty: fc.double({ min: 0, max: 5, noNaN: true }),
        base: fc.double({ min: 0, max: 5, noNaN: true }),
        perKm: fc.double({ min: 0, max: 0.01, noNaN: true }),
        perKgKm: fc.constantFrom(0, 0.002, 0.02),
        reserve: fc.integer({ min: 0, max: 1 }),
      }),
    )
    .map((w) => ({
      locations: w.locations,
      atp: atpFromRecords(w.stock.map((available, i) => ({ locationId: `L${Math.floor(i / SKUS.length)}`, sku: SKUS[i % SKUS.length], available }))),
      order: {
        id: 'P-1',
        channel: w.channel,
        destination: { lat: 51, lon: 0, country: w.country },
        serviceLevel: 'STANDARD',
        lines: w.lines.map((line) => (line.weightKg === undefined ? { sku: line.sku, quantity: line.quantity } : line)),
        priority: w.priority,
        ...(w.policy ? { backOrderPolicy: w.policy } : {}),
      },
      ruleset: completeRuleset({
        maxShipments: w.maxShipments,
        splitLines: w.splitLines,
        splitPenalty: w.splitPenalty,
        costModel: { base: w.base, perKm: w.perKm, perKgKm: w.perKgKm },
        priority: { reserve: { default: w.reserve } },
        backOrder: { splitMaxShipments: 4 },
      }),
    }));

/** Every way to put `units` into slots with the given capacities. */
const distributions = (units: number, capacities: readonly number[]): number[][] => {
  if (capacities.length === 0) return units === 0 ? [[]] : [];
  const [first, ...rest] = capacities;
  const out: number[][] = [];
  for (let here = 0; here <= Math.min(units, first); here++) {
    for (const tail of distributions(units - here, rest)) out.push([here, ...tail]);
  }
  return out;
};

const subsets = (n: number, maxSize: number): number[][] => {
  const out: number[][] = [];
  const walk = (from: number, current: number[]): void => {
    if (current.length > 0) out.push([...current]);
    if (current.length === maxSize) return;
    for (let c = from; c < n; c++) walk(c + 1, [...current, c]);
  };
  walk(0, []);
  return out;
};

/** Cheapest cost of any plan shipping every line, by brute force; undefined when there is none. */
const exhaustiveCheapest = (candidates: readonly Candidate[], quantities: readonly number[], ruleset: Ruleset, maxShipments: number, splitLines: boolean): number | undefined => {
  let cheapest: number | undefined;
  for (const members of subsets(candidates.length, maxShipments)) {
    const perDemand = quantities.map((wanted, d) => {
      const capacities = members.map((c) => candidates[c].atp[d]);
      const all = distributions(wanted, capacities);
      return splitLines ? all : all.filter((split) => split.filter((units) => units > 0).length === 1);
    });
    const combine = (d: number, chosen: number[][]): void => {
      if (d === quantities.length) {
        const allocation = members.map((_, m) => chosen.map((split) => split[m]));
        if (allocation.some((units) => units.every((u) => u === 0))) return;
        const cost = priceAllocation(candidates, members, allocation, ruleset.splitPenalty);
        if (cheapest === undefined || cost < cheapest) cheapest = cost;
        return;
      }
      for (const split of perDemand[d]) combine(d + 1, [...chosen, split]);
    };
    combine(0, []);
  }
  return cheapest;
};

/** The hard filters, restated plainly: may this location ship this order at all? */
const passesFilters = (location: Location, world: World): boolean => {
  const { order, ruleset } = world;
  const reserve = isPriorityOrder(order, ruleset) ? 0 : priorityReserveAt(ruleset, location.id);
  return (
    (!location.channels || location.channels.includes(order.channel)) &&
    (!location.markets || location.markets.includes(order.destination.country)) &&
    (location.dailyCapacity === undefined || location.dailyCapacity - (location.usedToday ?? 0) - reserve >= 1)
  );
};

const decide = (world: World) => routeOrder({ order: world.order, network: { locations: world.locations }, atp: world.atp, ruleset: world.ruleset });

const demandsOf = (world: World) => world.order.lines.map((line, lineIndex) => ({ lineIndex, sku: line.sku, quantity: line.quantity, weightKg: line.weightKg ?? 0 }));

describe('routing invariants (property)', () => {
  const anyPolicy = worldArb({ policies: [undefined, ...BACK_ORDER_POLICIES], maxLocations: 6 });

  it('never ships more than ATP, never exceeds max shipments, never uses an excluded location, and accounts for every unit', () => {
    fc.assert(
      fc.property(anyPolicy, (world) => {
        const decision = decide(world);
        const shipped = new Map<string, number>();
        const shipments = decision.type === 'OrderRouted' ? decision.plan.shipments : [];
        const policy = backOrderPolicyFor(world.order, world.ruleset);
        const limit = policy === 'split' ? world.ruleset.backOrder.splitMaxShipments : world.ruleset.maxShipments;
        expect(shipments.length).toBeLessThanOrEqual(limit);
        expect(new Set(shipments.map((s) => s.locationId)).size).toBe(shipments.length);
        for (const shipment of shipments) {
          const location = world.locations.find((l) => l.id === shipment.locationId);
          expect(location && passesFilters(location, world)).toBe(true);
          expect(shipment.lines.length).toBeGreaterThan(0);
          for (const line of shipment.lines) {
            const key = `${line.sku}@${shipment.locationId}`;
            shipped.set(key, (shipped.get(key) ?? 0) + line.quantity);
          }
        }
        for (const [key, units] of shipped) {
          const [sku, locationId] = key.split('@');
          expect(units).toBeLessThanOrEqual(atpAt(world.atp, sku, locationId));
        }
        const unfulfilled = decision.type === 'OrderRouted' ? decision.unfulfilled : decision.lines;
        world.order.lines.forEach((line, lineIndex) => {
          const out = shipments.flatMap((s) => s.lines).filter((l) => l.sku === line.sku).reduce((sum, l) => sum + l.quantity, 0);
          const missing = unfulfilled.filter((u) => u.lineIndex === lineIndex);
          expect(out + missing.reduce((sum, u) => sum + u.quantity, 0)).toBe(line.quantity);
          missing.forEach((u) => expect(u.reason.message.length).toBeGreaterThan(0));
          if (!world.ruleset.splitLines && !decision.explanation.limits.splitLines) {
            expect(shipments.filter((s) => s.lines.some((l) => l.sku === line.sku)).length).toBeLessThanOrEqual(1);
          }
        });
      }),
      { numRuns: 400, seed: 4 },
    );
  });

  it('the cost strategy costs no more than any plan found by exhaustive search (and finds one whenever one exists)', () => {
    const seen = { routed: 0, split: 0, unroutable: 0 };
    fc.assert(
      fc.property(worldArb({ policies: ['hold'], maxLocations: 8 }), (world) => {
        const decision = decide(world);
        const demands = demandsOf(world);
        const { candidates } = buildCandidates(world.locations, demands, { order: world.order, ruleset: world.ruleset, atp: world.atp, isPriority: isPriorityOrder(world.order, world.ruleset) });
        const quantities = demands.map((d) => d.quantity);
        const cheapest = exhaustiveCheapest(candidates, quantities, world.ruleset, world.ruleset.maxShipments, world.ruleset.splitLines);
        if (cheapest === undefined) {
          expect(decision.type).toBe('OrderUnroutable');
          seen.unroutable++;
          return;
        }
        expect(decision.type).toBe('OrderRouted');
        if (decision.type !== 'OrderRouted') return;
        seen.routed++;
        if (decision.plan.shipments.length > 1) seen.split++;
        expect(decision.explanation.search.exact).toBe(true);
        // Plans are published rounded to 4 decimals.
        expect(Math.abs(decision.plan.cost.total - cheapest)).toBeLessThan(1e-3);
        const greedy = greedyPlan(candidates, quantities, world.ruleset.splitLines, world.ruleset.maxShipments);
        if (greedy.missingUnits === 0) {
          expect(decision.plan.cost.total).toBeLessThanOrEqual(priceAllocation(candidates, greedy.members, greedy.allocation, world.ruleset.splitPenalty) + 1e-3);
        }
      }),
      { numRuns: 1500, seed: 44 },
    );
    // The generator must reach the interesting cases, or the property proves little.
    expect(seen.routed).toBeGreaterThan(200);
    expect(seen.split).toBeGreaterThan(40);
    expect(seen.unroutable).toBeGreaterThan(20);
  });

  it('the runner-up is another set of locations, costs no less than the chosen plan, and its difference adds up', () => {
    fc.assert(
      fc.property(worldArb({ policies: ['hold'], maxLocations: 4 }), (world) => {
        const decision = decide(world);
        if (decision.type !== 'OrderRouted' || !decision.explanation.runnerUp) return;
        const { chosen, runnerUp } = decision.explanation;
        expect(runnerUp.locations).not.toEqual(chosen?.locations);
        expect(runnerUp.cost.total).toBeGreaterThanOrEqual((chosen?.cost.total ?? 0) - 1e-3);
        expect(runnerUp.costDifference.total).toBeCloseTo(runnerUp.cost.total - (chosen?.cost.total ?? 0), 3);
      }),
      { numRuns: 300, seed: 7 },
    );
  });

  it('the ranked strategy is never beaten, criterion by criterion, by a plan in which every location is needed (exhaustively checked)', () => {
    const rankedWorld = fc.tuple(
      worldArb({ policies: ['hold'], maxLocations: 6 }),
      fc.uniqueArray(fc.constantFrom(...RANKING_CRITERIA), { minLength: 1, maxLength: 4 }),
    );
    let compared = 0;
    fc.assert(
      fc.property(rankedWorld, ([world, criteria]) => {
        const locationRanking = [...world.locations].reverse().map((l) => l.id);
        const ranked: World = { ...world, ruleset: { ...world.ruleset, strategy: 'ranked', criteria, locationRanking, splitLines: false } };
        const decision = decide(ranked);
        const demands = demandsOf(ranked);
        const { candidates } = buildCandidates(ranked.locations, demands, { order: ranked.order, ruleset: ranked.ruleset, atp: ranked.atp, isPriority: isPriorityOrder(ranked.order, ranked.ruleset) });
        const quantities = demands.map((d) => d.quantity);
        const scoresOf = (members: number[]): number[] | undefined => {
          // Whole lines, each from the cheapest-by-weight member that has it (ties: earlier candidate), as documented.
          const from = quantities.map((q, d) => {
            const coverers = members.filter((c) => candidates[c].atp[d] >= q);
            return coverers.length === 0 ? -1 : coverers.reduce((a, b) => (candidates[b].unitCost[d] < candidates[a].unitCost[d] ? b : a));
          });
          if (from.includes(-1)) return undefined;
          const needed = members.every((c) => quantities.some((q, d) => candidates[c].atp[d] >= q && members.filter((o) => candidates[o].atp[d] >= q).length === 1));
          if (!needed || members.some((c) => !from.includes(c))) return undefined;
          const allocation = members.map((c) => quantities.map((q, d) => (from[d] === c ? q : 0)));
          const cost = priceAllocation(candidates, members, allocation, ranked.ruleset.splitPenalty);
          const value = (criterion: RankingCriterion): number => {
            const ms = members.map((c) => candidates[c]);
            switch (criterion) {
              case 'minimiseShipments':
                return ms.length;
              case 'stayInMarket':
                return ms.filter((m) => m.location.country !== ranked.order.destination.country).length;
              case 'locationPriority':
                return ms.reduce((sum, m) => sum + locationRanking.indexOf(m.location.id), 0);
              case 'highestStock':
                return -from.reduce((sum, c, d) => sum + candidates[c].atp[d], 0);
              case 'closest':
                return ms.reduce((sum, m) => sum + m.distanceKm, 0);
              case 'lowestCost':
                return cost;
            }
          };
          // Ranked values are compared at their published precision, 4 decimals.
          return criteria.map((criterion) => Math.round(value(criterion) * 10_000) / 10_000);
        };
        const plans = subsets(candidates.length, ranked.ruleset.maxShipments).map(scoresOf).filter((scores): scores is number[] => scores !== undefined);
        if (plans.length === 0) return;
        expect(decision.type).toBe('OrderRouted');
        const chosen = criteria.map((criterion) => decision.explanation.chosen?.scores?.[criterion] ?? NaN);
        for (const other of plans) {
          compared++;
          const first = criteria.findIndex((_, i) => chosen[i] !== other[i]);
          if (first >= 0) expect(chosen[first]).toBeLessThan(other[first]);
        }
      }),
      { numRuns: 600, seed: 99 },
    );
    expect(compared).toBeGreaterThan(300);
  });
});
