import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runScenario, toScenarioResult, validateScenario, type ScenarioInput } from './scenario';
import { rulesetSchema, scenarioSchema } from './schemas';
import { parseDocument } from './validation';

const repoRoot = join(__dirname, '../../..');

const scenario = (overrides: Partial<ScenarioInput> = {}): ScenarioInput => ({
  locations: [
    { id: 'LDN', lat: 51.5, lon: -0.12, country: 'GB', handlingCost: 1.5, channels: ['web'] },
    { id: 'MAN', lat: 53.48, lon: -2.24, country: 'GB', handlingCost: 1.5, channels: ['web'] },
  ],
  stock: [
    { locationId: 'MAN', sku: 'SKU-1', available: 3 },
    { locationId: 'LDN', sku: 'SKU-1', onHand: 10, reserved: 2, safetyStock: 3 },
  ],
  orders: [1, 2, 3].map((n) => ({
    id: `O-${n}`,
    channel: 'web',
    destination: { lat: 53.8, lon: -1.55, country: 'GB' },
    serviceLevel: 'STANDARD',
    lines: [{ sku: 'SKU-1', quantity: 2 }],
  })),
  ...overrides,
});

const run = (input: ScenarioInput) => {
  const validated = validateScenario(input);
  if (!validated.ok) throw new Error(JSON.stringify(validated.issues));
  return runScenario(validated.value).map(toScenarioResult);
};

const issuesOf = (input: unknown) => {
  const validated = validateScenario(input);
  return validated.ok ? [] : validated.issues;
};

describe('scenarios: orders decided in sequence, as if each plan had been reserved', () => {
  it('given 3 units at Manchester and 5 ATP at London, when three orders of 2 arrive, then Manchester ships the first and London the rest', () => {
    const results = run(scenario());
    expect(results.map((r) => [r.orderId, r.outcome, r.shipments.map((s) => s.locationId)])).toEqual([
      ['O-1', 'routed', ['MAN']],
      ['O-2', 'routed', ['LDN']],
      ['O-3', 'routed', ['LDN']],
    ]);
    expect(results[0].totalCost).toBeGreaterThan(0);
  });

  it('given London may ship only one more parcel today, when the orders arrive, then the third is held for lack of capacity', () => {
    const locations = scenario().locations.map((l) => (l.id === 'LDN' ? { ...l, dailyCapacity: 10, usedToday: 9 } : l));
    const third = run(scenario({ locations }))[2];
    expect(third).toMatchObject({ outcome: 'held', totalCost: 0, shipments: [] });
    expect(third.unfulfilled[0].reason).toEqual({
      code: 'NOT_ENOUGH_STOCK',
      message: '2 units of SKU-1 wanted, 1 available at eligible locations; more at excluded locations: LDN (capacity)',
    });
    expect(third.explanation.candidates.find((c) => c.locationId === 'LDN')).toMatchObject({ status: 'excluded', rule: 'capacity' });
  });

  it('given a decision time and a promised date, when routed, then shipments carry ship and delivery dates', () => {
    const orders = [{ ...scenario().orders[0], promisedDate: '2026-11-28' }];
    const [result] = run(scenario({ now: '2026-11-27T10:00:00Z', orders, ruleset: { latenessPenaltyPerDay: 1 } }));
    expect(result.shipments[0].estimatedDelivery).toEqual({ transitDays: 2, shipDate: '2026-11-27', deliveryDate: '2026-11-29', daysLate: 1 });
    expect(result.shipments[0].cost.lateness).toBe(1);
  });
});

describe('scenario validation: what was wrong, where, and for which order and line', () => {
  it.each<[string, unknown, { path: string; message: string }]>([
    ['a missing section', { locations: [], stock: [] }, { path: '/orders', message: 'is required but missing' }],
    [
      'a zero quantity',
      { ...scenario(), orders: [{ ...scenario().orders[0], lines: [{ sku: 'SKU-1', quantity: 0 }] }] },
      { path: '/orders/0/lines/0/quantity', message: 'must be >= 1 (order O-1, line 1)' },
    ],
    [
      'stock at an unknown location',
      { ...scenario(), stock: [{ locationId: 'LEEDS', sku: 'SKU-1', available: 1 }] },
      { path: '/stock/0/locationId', message: '"LEEDS" is not the id of any location in /locations' },
    ],
    [
      'a SKU on two lines',
      { ...scenario(), orders: [{ ...scenario().orders[0], lines: [{ sku: 'SKU-1', quantity: 1 }, { sku: 'SKU-1', quantity: 1 }] }] },
      { path: '/orders/0/lines/1/sku', message: 'repeats SKU-1 of line 1: merge lines of the same SKU into one (order O-1, line 2)' },
    ],
    ['two orders with one id', { ...scenario(), orders: [scenario().orders[0], scenario().orders[0]] }, { path: '/orders/1/id', message: '"O-1" is used by an earlier order: ids must be unique (order O-1)' }],
    ['an impossible date', { ...scenario(), now: '2026-02-30T10:00:00Z' }, { path: '/now', message: '"2026-02-30T10:00:00Z" is not an ISO-8601 date-time such as 2026-11-27T06:25:00Z' }],
    ['a bad ruleset', { ...scenario(), ruleset: { maxShipments: 0 } }, { path: '/ruleset/maxShipments', message: 'must be >= 1' }],
    ['a latitude off the globe', { ...scenario(), locations: [{ ...scenario().locations[0], lat: 95 }] }, { path: '/locations/0/lat', message: 'must be <= 90' }],
  ])('rejects %s', (_, input, issue) => {
    expect(issuesOf(input)).toContainEqual(issue);
  });

  it('rejects a stock record with both available and onHand, naming the record', () => {
    const issues = issuesOf({ ...scenario(), stock: [{ locationId: 'LDN', sku: 'SKU-1', available: 1, onHand: 2 }] });
    expect(issues.map((i) => i.path)).toContain('/stock/0/onHand');
  });
});

describe('published formats', () => {
  it.each([
    ['docs/scenario.schema.json', scenarioSchema],
    ['docs/ruleset.schema.json', rulesetSchema],
  ])('%s is the schema the engine validates with (regenerate: npm run route -- --print-schema ...)', (file, schema) => {
    expect(JSON.parse(readFileSync(join(repoRoot, file), 'utf8'))).toEqual(JSON.parse(JSON.stringify(schema)));
  });

  const examples = readdirSync(join(repoRoot, 'examples/scenarios')).filter((file) => file.endsWith('.json'));

  it.each(examples)('example scenario %s is valid and every order gets a decision', (file) => {
    const document = parseDocument(readFileSync(join(repoRoot, 'examples/scenarios', file), 'utf8'));
    const validated = document.ok ? validateScenario(document.value) : document;
    expect(validated.ok ? [] : validated.issues).toEqual([]);
    if (!validated.ok) return;
    expect(runScenario(validated.value).map((d) => d.orderId)).toEqual(validated.value.orders.map((o) => o.id));
  });
});
