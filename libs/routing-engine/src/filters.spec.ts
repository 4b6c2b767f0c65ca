import type { Location } from './model';
import { parseInstant } from './time';
import { GLASGOW, LONDON, MANCHESTER, PARIS, order, route, ruleset, shippedFrom, stock, verdictOn } from './testing/fixtures';

// Hard filters, one rule at a time. Manchester is nearest the Leeds customer, so it wins unless a rule excludes it.

describe('hard filter: stock (ATP)', () => {
  it('given only London has the SKU, when routed, then London ships and Manchester is excluded for stock', () => {
    const decision = route({ locations: [LONDON, MANCHESTER], atp: stock(['LDN', 'SKU-1', 4]) });
    expect(shippedFrom(decision)).toEqual(['LDN']);
    expect(verdictOn(decision, 'MAN')).toBe('excluded:stock');
  });

  it('given ATP below the ordered quantity everywhere, when routed, then the order is unroutable with NOT_ENOUGH_STOCK', () => {
    const decision = route({ locations: [LONDON], atp: stock(['LDN', 'SKU-1', 1]) }, order({ lines: [{ sku: 'SKU-1', quantity: 2 }] }));
    expect(decision.type).toBe('OrderUnroutable');
    expect(decision.type === 'OrderUnroutable' && decision.lines[0].reason.code).toBe('NOT_ENOUGH_STOCK');
  });

  it('given no location has the SKU at all, when routed, then the line is unroutable with NO_STOCK', () => {
    const decision = route({ locations: [LONDON], atp: stock() });
    expect(decision.type === 'OrderUnroutable' && decision.lines[0].reason).toEqual({ code: 'NO_STOCK', message: 'no location has ATP for SKU-1' });
  });
});

describe('hard filter: channel eligibility', () => {
  const given = { locations: [LONDON, { ...MANCHESTER, channels: ['store'] }], atp: stock(['LDN', 'SKU-1', 1], ['MAN', 'SKU-1', 1]) };

  it('given Manchester serves only stores, when a web order is routed, then London ships and Manchester is excluded for channel', () => {
    const decision = route(given);
    expect(shippedFrom(decision)).toEqual(['LDN']);
    expect(verdictOn(decision, 'MAN')).toBe('excluded:channel');
  });

  it('given the channel filter is off, when routed, then nearer Manchester ships', () => {
    expect(shippedFrom(route({ ...given, ruleset: ruleset({ filters: { channel: false } }) }))).toEqual(['MAN']);
  });

  it('given the stock is only at the excluded location, when routed, then the reason names it and its rule', () => {
    const decision = route({ ...given, atp: stock(['MAN', 'SKU-1', 1]) });
    expect(decision.type === 'OrderUnroutable' && decision.lines[0].reason).toEqual({
      code: 'STOCK_ONLY_AT_EXCLUDED_LOCATIONS',
      message: 'SKU-1 is in stock only at excluded locations: MAN (channel)',
    });
  });
});

describe('hard filter: destination market', () => {
  it('given Paris ships only to France, when a GB order is routed, then Paris is excluded for market even though it is cheapest', () => {
    const paris = { ...PARIS, handlingCost: 0, markets: ['FR'] };
    const decision = route({ locations: [paris, GLASGOW], atp: stock(['PAR', 'SKU-1', 1], ['GLA', 'SKU-1', 1]), ruleset: ruleset({ costModel: { base: 3, perKm: 0, perKgKm: 0 } }) });
    expect(shippedFrom(decision)).toEqual(['GLA']);
    expect(verdictOn(decision, 'PAR')).toBe('excluded:market');
  });
});

describe('hard filter: capacity left today, with a priority reserve', () => {
  const given = (usedToday: number) => ({
    locations: [LONDON, { ...MANCHESTER, dailyCapacity: 10, usedToday }],
    atp: stock(['LDN', 'SKU-1', 1], ['MAN', 'SKU-1', 1]),
    ruleset: ruleset({ priority: { tiers: ['gold'], reserve: { default: 0, byLocation: { MAN: 2 } } } }),
  });

  it('given Manchester has used all its shipments today, when routed, then it is excluded for capacity', () => {
    const decision = route(given(10), order({ priority: 'PRIORITY' }));
    expect(shippedFrom(decision)).toEqual(['LDN']);
    expect(verdictOn(decision, 'MAN')).toBe('excluded:capacity');
  });

  it('given Manchester keeps its last 2 shipments for priority orders, when a standard order is routed, then it may not claim them', () => {
    const decision = route(given(8));
    expect(shippedFrom(decision)).toEqual(['LDN']);
    expect(decision.explanation.candidates.find((c) => c.locationId === 'MAN')).toMatchObject({ rule: 'capacity', reason: expect.stringContaining('2 kept for priority orders') });
  });

  it('given the same reserve, when a priority order is routed, then it claims Manchester', () => {
    expect(shippedFrom(route(given(8), order({ priority: 'PRIORITY' })))).toEqual(['MAN']);
  });

  it('given the same reserve, when a gold-tier customer orders, then the tier makes it a priority order', () => {
    const decision = route(given(8), order({ customerTier: 'gold' }));
    expect(shippedFrom(decision)).toEqual(['MAN']);
    expect(decision.explanation.priority).toBe(true);
  });
});

describe('hard filter: cutoff for the service level', () => {
  const now = parseInstant('2026-11-27T14:30:00Z');
  const given = {
    locations: <Location[]>[
      { ...LONDON, cutoffs: { STANDARD: '16:00' } },
      { ...MANCHESTER, cutoffs: { STANDARD: '14:00', EXPRESS: '15:00' } },
    ],
    atp: stock(['LDN', 'SKU-1', 1], ['MAN', 'SKU-1', 1]),
    now,
  };

  it("given it is past Manchester's STANDARD cutoff, when routed, then London (before its cutoff) ships today", () => {
    const decision = route(given);
    expect(shippedFrom(decision)).toEqual(['LDN']);
    expect(verdictOn(decision, 'MAN')).toBe('excluded:cutoff');
    expect(decision.type === 'OrderRouted' && decision.plan.shipments[0].estimatedDelivery).toEqual({ transitDays: 2, shipDate: '2026-11-27', deliveryDate: '2026-11-29' });
  });

  it('given an EXPRESS order, when routed, then the EXPRESS cutoff applies and Manchester still ships', () => {
    expect(shippedFrom(route(given, order({ serviceLevel: 'EXPRESS' })))).toEqual(['MAN']);
  });

  it('given the location is an hour behind UTC, when routed, then its cutoff is read in local time', () => {
    const behind = { ...given, locations: [given.locations[0], { ...given.locations[1], utcOffsetMinutes: -60 }] };
    expect(shippedFrom(route(behind))).toEqual(['MAN']);
  });

  it('given the cutoff filter is off, when routed, then Manchester may ship, a day later', () => {
    const decision = route({ ...given, ruleset: ruleset({ filters: { cutoff: false } }) });
    expect(shippedFrom(decision)).toEqual(['MAN']);
    expect(decision.type === 'OrderRouted' && decision.plan.shipments[0].estimatedDelivery).toMatchObject({ shipDate: '2026-11-28', deliveryDate: '2026-11-30' });
  });

  it('given a lateness penalty and a promised date only London can meet, when routed, then the late shipment costs more and London ships', () => {
    const late = { ...given, ruleset: ruleset({ filters: { cutoff: false }, latenessPenaltyPerDay: 10 }) };
    const decision = route(late, order({ promisedDate: '2026-11-29' }));
    expect(shippedFrom(decision)).toEqual(['LDN']);
    expect(decision.explanation.runnerUp).toMatchObject({ locations: ['MAN'], costDifference: { lateness: 10 } });
  });
});

describe('hard limit: maximum number of shipments', () => {
  const given = { locations: [LONDON, GLASGOW], atp: stock(['LDN', 'A', 1], ['GLA', 'B', 1]) };
  const twoLines = order({ lines: [{ sku: 'A', quantity: 1 }, { sku: 'B', quantity: 1 }] });

  it('given the lines are at two locations and at most one shipment, when routed, then it is unroutable with EXCEEDS_MAX_SHIPMENTS', () => {
    const decision = route({ ...given, ruleset: ruleset({ maxShipments: 1 }) }, twoLines);
    expect(decision.type === 'OrderUnroutable' && decision.lines.map((line) => line.reason.code)).toEqual(['EXCEEDS_MAX_SHIPMENTS', 'EXCEEDS_MAX_SHIPMENTS']);
  });

  it('given at most two shipments, when routed, then each location ships its line', () => {
    const decision = route({ ...given, ruleset: ruleset({ maxShipments: 2 }) }, twoLines);
    expect(decision.type === 'OrderRouted' && decision.plan.shipments.map((s) => [s.locationId, s.lines])).toEqual([
      ['GLA', [{ sku: 'B', quantity: 1 }]],
      ['LDN', [{ sku: 'A', quantity: 1 }]],
    ]);
  });
});

describe('hard limit: may one line be split across locations', () => {
  const given = { locations: [LONDON, MANCHESTER], atp: stock(['LDN', 'SKU-1', 3], ['MAN', 'SKU-1', 2]) };
  const five = order({ lines: [{ sku: 'SKU-1', quantity: 5 }] });

  it('given no location has all 5 units and lines may not split, when routed, then it is unroutable with NOT_AT_ONE_LOCATION', () => {
    const decision = route(given, five);
    expect(decision.type === 'OrderUnroutable' && decision.lines[0].reason.code).toBe('NOT_AT_ONE_LOCATION');
  });

  it('given lines may split, when routed, then Manchester ships 2 and London 3', () => {
    const decision = route({ ...given, ruleset: ruleset({ splitLines: true }) }, five);
    expect(decision.type === 'OrderRouted' && decision.plan.shipments.map((s) => [s.locationId, s.lines[0].quantity]).sort()).toEqual([
      ['LDN', 3],
      ['MAN', 2],
    ]);
  });
});

describe('the network may change between decisions', () => {
  it('given the same locations array is edited in place, when routed again, then the new locations and their stock are used', () => {
    const locations: Location[] = [LONDON, MANCHESTER];
    const atp = stock(['GLA', 'SKU-1', 1]);
    expect(shippedFrom(route({ locations, atp }))).toEqual([]);
    locations[0] = GLASGOW;
    expect(shippedFrom(route({ locations, atp }))).toEqual(['GLA']);
  });
});
