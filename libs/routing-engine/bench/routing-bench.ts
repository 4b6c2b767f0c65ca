// npm run bench:routing -- [--orders 20000] [--seed 42] [--large 200]
// Generates a realistic network (50 locations: distribution centres and stores across five countries,
// 10k SKUs with Zipf popularity) and orders of 1–10 lines, then prints decisions/s and p50/p99 decision
// latency per strategy, and — on the same orders — total cost, shipments per order and split rate of
// the cost strategy against the greedy nearest-location baseline. Orders are decided independently
// against the same ATP so every strategy sees the same situation.
import { build as buildHistogram } from 'hdr-histogram-js';
import { cpus, loadavg } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  buildCandidates,
  completeRuleset,
  greedyPlan,
  priceAllocation,
  routeOrder,
  type Atp,
  type Location,
  type Network,
  type Order,
  type Ruleset,
  type RulesetInput,
} from '../src/index';
import { mulberry32 } from '@switchyard/random';

// Seeded randomness: the same seed gives the same scenario.
const prng = mulberry32;

const SKU_COUNT = 10_000;
const DC_COUNT = 8;
const LOCATION_COUNT = 50;
// Every decision is taken at 11:00 UTC on a Friday: some stores are past their NEXT_DAY cutoff.
const NOW = Date.UTC(2026, 10, 27, 11, 0);

export interface RoutingScenario {
  makeNetwork(): { network: Network; atp: Atp };
  makeOrder(id: number, lineCount: number): Order;
  drawLineCount(): number;
  integer(min: number, max: number): number;
}

/** The scenario's generators over one seeded random sequence (call them in the same order for the same scenario). */
export function createRoutingScenario(seed: number): RoutingScenario {
  const random = prng(seed);
  const between = (min: number, max: number): number => min + (max - min) * random();
  const integer = (min: number, max: number): number => Math.floor(between(min, max + 1));

  // ---------- the network ----------
  const CITIES = [
    { country: 'GB', lat: 51.5, lon: -0.12, weight: 9 },
    { country: 'GB', lat: 53.48, lon: -2.24, weight: 3 },
    { country: 'GB', lat: 52.48, lon: -1.9, weight: 3 },
    { country: 'GB', lat: 55.86, lon: -4.25, weight: 2 },
    { country: 'FR', lat: 48.86, lon: 2.35, weight: 7 },
    { country: 'FR', lat: 45.76, lon: 4.84, weight: 2 },
    { country: 'DE', lat: 52.52, lon: 13.4, weight: 4 },
    { country: 'DE', lat: 48.14, lon: 11.58, weight: 3 },
    { country: 'DE', lat: 50.94, lon: 6.96, weight: 3 },
    { country: 'NL', lat: 52.37, lon: 4.9, weight: 3 },
    { country: 'BE', lat: 50.85, lon: 4.35, weight: 2 },
  ];
  const cityWeightTotal = CITIES.reduce((sum, city) => sum + city.weight, 0);
  const pickCity = (): (typeof CITIES)[number] => {
    let roll = random() * cityWeightTotal;
    for (const city of CITIES) if ((roll -= city.weight) < 0) return city;
    return CITIES[0];
  };
  const near = (city: (typeof CITIES)[number], spreadDegrees: number) => ({
    lat: city.lat + between(-spreadDegrees, spreadDegrees),
    lon: city.lon + between(-spreadDegrees, spreadDegrees) * 1.5,
    country: city.country,
  });

  const skuName = (rank: number): string => `SKU-${String(rank).padStart(5, '0')}`;
  // Zipf(1) popularity: rank r is ordered with probability ∝ 1/r.
  const zipfCumulative = (() => {
    const cumulative = new Float64Array(SKU_COUNT);
    let total = 0;
    for (let r = 0; r < SKU_COUNT; r++) cumulative[r] = total += 1 / (r + 1);
    return cumulative.map((value) => value / total);
  })();
  const popularSku = (): number => {
    const roll = random();
    let low = 0;
    let high = SKU_COUNT - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (zipfCumulative[mid] < roll) low = mid + 1;
      else high = mid;
    }
    return low;
  };

  const makeNetwork = (): { network: Network; atp: Atp } => {
    const locations: Location[] = [];
    const atp = new Map<string, Map<string, number>>();
    const stock = (sku: number, locationId: string, units: number) => {
      const name = skuName(sku);
      let bySku = atp.get(name);
      if (!bySku) atp.set(name, (bySku = new Map()));
      bySku.set(locationId, units);
    };
    for (let i = 0; i < LOCATION_COUNT; i++) {
      const isDc = i < DC_COUNT;
      const place = near(pickCity(), isDc ? 0.8 : 0.3);
      const id = `${isDc ? 'DC' : 'ST'}-${place.country}-${String(i).padStart(2, '0')}`;
      locations.push({
        id,
        ...place,
        handlingCost: isDc ? between(1.0, 1.6) : between(2.5, 4.0),
        channels: ['web', 'marketplace'],
        cutoffs: isDc ? { STANDARD: '18:00', NEXT_DAY: '15:00' } : { STANDARD: '16:00', NEXT_DAY: '11:30' },
        utcOffsetMinutes: place.country === 'GB' ? 0 : 60,
      });
      // DCs carry most of the range; stores carry popular SKUs more often than the long tail.
      for (let sku = 0; sku < SKU_COUNT; sku++) {
        const carried = isDc ? random() < 0.75 : random() < Math.min(0.6, 30 / (sku + 50));
        if (carried && random() < 0.9) stock(sku, id, isDc ? integer(1, 60) : integer(1, 6));
      }
    }
    return { network: { locations }, atp };
  };

  const LINE_COUNT_WEIGHTS = [0, 30, 22, 15, 10, 8, 5, 4, 3, 2, 1]; // P(lines = n) for n = 1..10
  const drawLineCount = (): number => {
    let roll = random() * LINE_COUNT_WEIGHTS.reduce((a, b) => a + b, 0);
    for (let n = 1; n < LINE_COUNT_WEIGHTS.length; n++) if ((roll -= LINE_COUNT_WEIGHTS[n]) < 0) return n;
    return 1;
  };

  const makeOrder = (id: number, lineCount: number): Order => {
    const skus = new Set<number>();
    while (skus.size < lineCount) skus.add(popularSku());
    const nextDay = random() < 0.15;
    return {
      id: `B-${id}`,
      channel: 'web',
      destination: near(pickCity(), 1.0),
      serviceLevel: nextDay ? 'NEXT_DAY' : 'STANDARD',
      promisedDate: nextDay ? '2026-11-28' : '2026-11-30',
      lines: [...skus].map((sku) => ({ sku: skuName(sku), quantity: random() < 0.85 ? 1 : integer(2, 3), weightKg: Math.round(between(0.2, 5) * 10) / 10 })),
    };
  };

  return { makeNetwork, makeOrder, drawLineCount, integer };
}

// ---------- strategies ----------
const RULESET_BASE: RulesetInput = {
  costModel: { base: 3.0, perKm: 0.004, perKgKm: 0.0002 },
  splitPenalty: 2.0,
  latenessPenaltyPerDay: 3.0,
  maxShipments: 3,
  splitLines: false,
};
const costRules = completeRuleset({ ...RULESET_BASE, strategy: 'cost' });
const rankedRules = completeRuleset({ ...RULESET_BASE, strategy: 'ranked', criteria: ['minimiseShipments', 'stayInMarket', 'closest', 'lowestCost'] });

type Outcome = { routed: boolean; cost: number; shipments: number; exact: boolean; nodes: number };

const decideWith = (ruleset: Ruleset, network: Network, atp: Atp) => (order: Order): Outcome => {
  const decision = routeOrder({ order, network, atp, ruleset, now: NOW });
  const { exact, nodes } = decision.explanation.search;
  return decision.type === 'OrderRouted'
    ? { routed: true, cost: decision.plan.cost.total, shipments: decision.plan.shipments.length, exact, nodes }
    : { routed: false, cost: 0, shipments: 0, exact, nodes };
};

/** The greedy baseline through the same filters and cost model (no explanation is built). */
const decideGreedy = (ruleset: Ruleset, network: Network, atp: Atp) => (order: Order): Outcome => {
  const demands = order.lines.map((line, lineIndex) => ({ lineIndex, sku: line.sku, quantity: line.quantity, weightKg: line.weightKg ?? 0 }));
  const { candidates } = buildCandidates(network.locations, demands, { order, ruleset, atp, isPriority: false, now: NOW });
  const quantities = demands.map((demand) => demand.quantity);
  const plan = greedyPlan(candidates, quantities, ruleset.splitLines, ruleset.maxShipments);
  if (plan.missingUnits > 0 || plan.members.length === 0) return { routed: false, cost: 0, shipments: 0, exact: true, nodes: 0 };
  return { routed: true, cost: priceAllocation(candidates, plan.members, plan.allocation, ruleset.splitPenalty), shipments: plan.members.length, exact: true, nodes: 0 };
};

type Run = { name: string; outcomes: Outcome[]; perSecond: number; perCpuSecond: number; p50: number; p99: number; max: number };

// Each run starts from a collected heap, so garbage of scenario generation or the previous run is not billed to it.
let gcFunction: (() => void) | undefined;
const collectGarbage = (): void => {
  if (!gcFunction) {
    setFlagsFromString('--expose-gc');
    gcFunction = runInNewContext('gc') as () => void;
  }
  gcFunction();
};

const measure = (name: string, decide: (order: Order) => Outcome, orders: readonly Order[]): Run => {
  for (let i = 0; i < Math.min(5000, orders.length); i++) decide(orders[i]); // warm-up: JIT and caches
  collectGarbage();
  const histogram = buildHistogram({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  const outcomes: Outcome[] = new Array(orders.length);
  const started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  for (let i = 0; i < orders.length; i++) {
    const before = process.hrtime.bigint();
    outcomes[i] = decide(orders[i]);
    histogram.recordValue(Number(process.hrtime.bigint() - before) / 1000); // microseconds
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  // CPU time of the whole process (GC helper threads included): the per-core rate on a machine shared with other work.
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return { name, outcomes, perSecond: orders.length / seconds, perCpuSecond: orders.length / cpuSeconds, p50: histogram.getValueAtPercentile(50), p99: histogram.getValueAtPercentile(99), max: histogram.maxValue };
};

const format = (value: number, digits = 0): string => value.toLocaleString('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits });

const printSpeed = (title: string, runs: Run[]): void => {
  console.log(`\n${title}`);
  console.log('| strategy | decisions/s (wall) | decisions per CPU-second | p50 µs | p99 µs | max µs | exact | search nodes: mean / max |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const run of runs) {
    const exact = run.outcomes.filter((o) => o.exact).length / run.outcomes.length;
    const nodes = run.outcomes.map((o) => o.nodes);
    const meanNodes = nodes.reduce((a, b) => a + b, 0) / nodes.length;
    console.log(
      `| ${run.name} | ${format(run.perSecond)} | ${format(run.perCpuSecond)} | ${format(run.p50, 1)} | ${format(run.p99, 1)} | ${format(run.max)} | ${format(exact * 100, 2)}% | ${format(meanNodes, 1)} / ${format(Math.max(...nodes))} |`,
    );
  }
};

const printQuality = (title: string, cost: Run, greedy: Run): void => {
  const both = cost.outcomes.map((o, i) => [o, greedy.outcomes[i]] as const).filter(([c, g]) => c.routed && g.routed);
  const summary = (pick: (pair: (typeof both)[number]) => Outcome) => {
    const total = both.reduce((sum, pair) => sum + pick(pair).cost, 0);
    const shipments = both.reduce((sum, pair) => sum + pick(pair).shipments, 0);
    const splits = both.filter((pair) => pick(pair).shipments > 1).length;
    return { total, perOrder: total / both.length, shipmentsPerOrder: shipments / both.length, splitRate: splits / both.length };
  };
  const c = summary(([o]) => o);
  const g = summary(([, o]) => o);
  const routed = (run: Run) => run.outcomes.filter((o) => o.routed).length;
  console.log(`\n${title} — on the ${format(both.length)} orders both routed`);
  console.log('| | total cost | cost/order | shipments/order | split rate | orders routed |');
  console.log('|---|---:|---:|---:|---:|---:|');
  console.log(`| cost strategy | ${format(c.total, 2)} | ${format(c.perOrder, 3)} | ${format(c.shipmentsPerOrder, 3)} | ${format(c.splitRate * 100, 2)}% | ${format(routed(cost))} |`);
  console.log(`| greedy nearest | ${format(g.total, 2)} | ${format(g.perOrder, 3)} | ${format(g.shipmentsPerOrder, 3)} | ${format(g.splitRate * 100, 2)}% | ${format(routed(greedy))} |`);
  console.log(`| cost vs greedy | ${format(((c.total - g.total) / g.total) * 100, 2)}% | | ${format(((c.shipmentsPerOrder - g.shipmentsPerOrder) / g.shipmentsPerOrder) * 100, 2)}% | ${format((c.splitRate - g.splitRate) * 100, 2)} pts | |`);
  // Published plan costs are rounded to 4 decimals; anything beyond that would be a real loss.
  const worse = both.filter(([co, go]) => co.cost > go.cost + 1e-3).length;
  console.log(`orders where the cost strategy is dearer than greedy: ${worse}`);
};

/** What the benchmark harness (apps/bench) takes as the routing ceiling: cost-strategy decisions/s on one core. */
export interface RoutingCeiling {
  readonly orders: number;
  readonly decisionsPerSecond: number;
  readonly decisionsPerCpuSecond: number;
  readonly p50Micros: number;
  readonly p99Micros: number;
}

/**
 * The cost strategy deciding `orders` 1–10-line orders over the 50-location network (the same scenario and
 * measurement as the CLI's "1–10-line orders" table), in this process.
 */
export function measureRoutingCeiling(options: { readonly orders?: number; readonly seed?: number; readonly lines?: 'mixed' | 5 } = {}): RoutingCeiling {
  const orders = options.orders ?? 10_000;
  const scenario = createRoutingScenario(options.seed ?? 42);
  const { network, atp } = scenario.makeNetwork();
  const workload = Array.from({ length: orders }, (_, i) => scenario.makeOrder(i, options.lines === 5 ? 5 : scenario.drawLineCount()));
  const run = measure('cost', decideWith(costRules, network, atp), workload);
  return { orders, decisionsPerSecond: run.perSecond, decisionsPerCpuSecond: run.perCpuSecond, p50Micros: run.p50, p99Micros: run.p99 };
}

// ---------- run ----------
function main(): void {
  // ---------- arguments ----------
  const argValue = (name: string, fallback: number): number => {
    const at = process.argv.indexOf(name);
    if (at < 0) return fallback;
    const value = Number(process.argv[at + 1]);
    if (!Number.isFinite(value) || value <= 0) {
      process.stderr.write(`routing-bench: ${name} takes a positive number\n`);
      process.exit(1);
    }
    return value;
  };
  const ORDERS = argValue('--orders', 20_000);
  const SEED = argValue('--seed', 42);
  const LARGE_ORDERS = argValue('--large', 200);
  const { makeNetwork, makeOrder, drawLineCount, integer } = createRoutingScenario(SEED);

  const { network, atp } = makeNetwork();
  console.log(
    `routing bench: ${LOCATION_COUNT} locations (${DC_COUNT} DCs), ${format(SKU_COUNT)} SKUs, ${format([...atp.values()].reduce((sum, byLocation) => sum + byLocation.size, 0))} SKU × location pairs with ATP, ${format(ORDERS)} orders per workload, seed ${SEED}, node ${process.version}`,
  );
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at start`);

  const fiveLines = Array.from({ length: ORDERS }, (_, i) => makeOrder(i, 5));
  const mixed = Array.from({ length: ORDERS }, (_, i) => makeOrder(ORDERS + i, drawLineCount()));

  for (const [title, orders] of [
    ['5-line orders over 50 locations', fiveLines],
    ['1–10-line orders over 50 locations', mixed],
  ] as const) {
    const costRun = measure('cost', decideWith(costRules, network, atp), orders);
    const rankedRun = measure('ranked (minimiseShipments, stayInMarket, closest, lowestCost)', decideWith(rankedRules, network, atp), orders);
    const greedyRun = measure('greedy baseline (no explanation)', decideGreedy(costRules, network, atp), orders);
    printSpeed(`### ${title}: speed`, [costRun, rankedRun, greedyRun]);
    printQuality(`### ${title}: cost strategy vs greedy`, costRun, greedyRun);
  }

  // Split penalty sensitivity: the penalty is the ruleset's price of a split; greedy is priced with the same penalty.
  console.log('\n### Split penalty sensitivity (5-line orders): cost strategy vs greedy');
  console.log('| split penalty | total cost vs greedy | shipments/order (cost / greedy) | split rate (cost / greedy) |');
  console.log('|---:|---:|---:|---:|');
  for (const splitPenalty of [2, 5, 10]) {
    const rules = completeRuleset({ ...RULESET_BASE, splitPenalty });
    const costOutcomes = fiveLines.map(decideWith(rules, network, atp));
    const greedyOutcomes = fiveLines.map(decideGreedy(rules, network, atp));
    const both = costOutcomes.map((c, i) => [c, greedyOutcomes[i]] as const).filter(([c, g]) => c.routed && g.routed);
    const sum = (pick: (pair: (typeof both)[number]) => number) => both.reduce((total, pair) => total + pick(pair), 0);
    const costTotal = sum(([c]) => c.cost);
    const greedyTotal = sum(([, g]) => g.cost);
    const splitRate = (side: 0 | 1) => (both.filter((pair) => pair[side].shipments > 1).length / both.length) * 100;
    console.log(
      `| ${splitPenalty} | ${format(((costTotal - greedyTotal) / greedyTotal) * 100, 2)}% | ${format(sum(([c]) => c.shipments) / both.length, 3)} / ${format(sum(([, g]) => g.shipments) / both.length, 3)} | ${format(splitRate(0), 2)}% / ${format(splitRate(1), 2)}% |`,
    );
  }

  // Bounded search: very large orders over a larger network, where exhaustive search is out of reach.
  const bigNetwork: Network = {
    locations: Array.from({ length: 4 }, (_, copy) => network.locations.map((l) => ({ ...l, id: `${l.id}-${copy}`, lat: l.lat + copy * 0.05 }))).flat(),
  };
  const bigAtp = new Map([...atp].map(([sku, byLocation]) => [sku, new Map([...byLocation].flatMap(([id, units]) => [0, 1, 2, 3].map((copy) => [`${id}-${copy}`, units] as const)))]));
  const largeRules = completeRuleset({ ...RULESET_BASE, maxShipments: 5 });
  const largeOrders = Array.from({ length: LARGE_ORDERS }, (_, i) => makeOrder(10 * ORDERS + i, integer(30, 60)));
  const largeRun = measure(`cost, 30–60 lines, 200 locations, maxShipments 5, maxNodes ${largeRules.search.maxNodes}`, decideWith(largeRules, bigNetwork, bigAtp), largeOrders);
  printSpeed('### Bounded search: very large orders', [largeRun]);
  console.log(`\nload average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at end`);
}

if (require.main === module) main();
