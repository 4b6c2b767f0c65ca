import type { Location } from './model';
import type { RankingCriterion } from './ruleset';
import { GLASGOW, LONDON, MANCHESTER, PARIS, order, route, ruleset, shippedFrom, stock } from './testing/fixtures';

const YORK: Location = { id: 'YRK', lat: 53.96, lon: -1.08, country: 'GB', handlingCost: 1.5 };
const twoLines = order({ lines: [{ sku: 'A', quantity: 1 }, { sku: 'B', quantity: 1 }] });

describe('cost strategy', () => {
  it('given equal handling, when routed, then the nearer location ships because its shipping estimate is lower', () => {
    const decision = route({ locations: [LONDON, MANCHESTER], atp: stock(['LDN', 'SKU-1', 1], ['MAN', 'SKU-1', 1]) });
    expect(shippedFrom(decision)).toEqual(['MAN']);
    expect(decision.explanation.runnerUp).toMatchObject({ locations: ['LDN'], decidedBy: 'total cost', costDifference: { handling: 0, splitPenalty: 0 } });
    expect(decision.explanation.runnerUp?.costDifference.shipping).toBeGreaterThan(0);
  });

  it('given Manchester handles at a much higher cost, when routed, then London wins and the explanation shows handling against shipping', () => {
    const decision = route({ locations: [LONDON, { ...MANCHESTER, handlingCost: 5 }], atp: stock(['LDN', 'SKU-1', 1], ['MAN', 'SKU-1', 1]) });
    expect(shippedFrom(decision)).toEqual(['LDN']);
    const difference = decision.explanation.runnerUp?.costDifference;
    expect(difference?.handling).toBeCloseTo(3.5, 4);
    expect(difference?.shipping).toBeLessThan(0);
    expect(decision.explanation.summary).toMatch(/^Ship from LDN for \d+\.\d\d; runner-up MAN would cost \d+\.\d\d more \(handling \+3\.50, shipping -\d+\.\d\d\)\.$/);
  });

  it('given one far location has both lines and two near ones have one each, when shipping per km is cheap, then one shipment from Paris beats a split', () => {
    const given = { locations: [MANCHESTER, YORK, PARIS], atp: stock(['MAN', 'A', 1], ['YRK', 'B', 1], ['PAR', 'A', 1], ['PAR', 'B', 1]) };
    const decision = route(given, twoLines);
    expect(shippedFrom(decision)).toEqual(['PAR']);
    expect(decision.explanation.runnerUp).toMatchObject({ locations: ['YRK', 'MAN'], costDifference: { splitPenalty: 2 } });
  });

  it('given the same network, when shipping per km is dear, then splitting between the near locations is cheaper despite the split penalty', () => {
    const given = {
      locations: [MANCHESTER, YORK, PARIS],
      atp: stock(['MAN', 'A', 1], ['YRK', 'B', 1], ['PAR', 'A', 1], ['PAR', 'B', 1]),
      ruleset: ruleset({ costModel: { base: 3, perKm: 0.02, perKgKm: 0 } }),
    };
    const decision = route(given, twoLines);
    expect(shippedFrom(decision).sort()).toEqual(['MAN', 'YRK']);
    expect(decision.type === 'OrderRouted' && decision.plan.cost.splitPenalty).toBe(2);
  });

  it('given a heavy line, when another location is far nearer for it, then a second shipment pays for itself in weight (split lines or not)', () => {
    // London is cheap to open but far; Manchester costs more to open but saves 100 kg × ~200 km.
    const given = (splitLines: boolean) => ({
      locations: [LONDON, { ...MANCHESTER, handlingCost: 10 }],
      atp: stock(['LDN', 'A', 1], ['LDN', 'HEAVY', 1], ['MAN', 'HEAVY', 1]),
      ruleset: ruleset({ splitLines, costModel: { base: 3, perKm: 0.001, perKgKm: 0.01 } }),
    });
    const heavyOrder = order({ lines: [{ sku: 'A', quantity: 1 }, { sku: 'HEAVY', quantity: 1, weightKg: 100 }] });
    for (const splitLines of [false, true]) {
      const decision = route(given(splitLines), heavyOrder);
      expect(decision.type === 'OrderRouted' && decision.plan.shipments.map((s) => [s.locationId, s.lines.map((l) => l.sku)])).toEqual([
        ['LDN', ['A']],
        ['MAN', ['HEAVY']],
      ]);
    }
  });

  it('given a candidate network, when routed, then the explanation lists every location: excluded ones with their rule, candidates with their scores', () => {
    const decision = route({ locations: [LONDON, { ...GLASGOW, channels: ['store'] }, MANCHESTER, PARIS], atp: stock(['LDN', 'SKU-1', 1], ['GLA', 'SKU-1', 1], ['MAN', 'SKU-1', 1]) });
    expect(decision.explanation.candidates.map((c) => [c.locationId, c.status])).toEqual([
      ['LDN', 'runner-up'],
      ['GLA', 'excluded'],
      ['MAN', 'chosen'],
      ['PAR', 'excluded'],
    ]);
    expect(decision.explanation.candidates[0]).toMatchObject({ distanceKm: expect.any(Number), shippingEstimate: expect.any(Number), shipmentCost: expect.any(Number), wholeLines: 1 });
    expect(decision.explanation.search).toMatchObject({ exact: true });
  });
});

describe('ranked strategy', () => {
  const ranked = (criteria: RankingCriterion[], extra = {}) => ruleset({ strategy: 'ranked', criteria, ...extra });
  const everywhere = stock(['LDN', 'SKU-1', 2], ['MAN', 'SKU-1', 1], ['GLA', 'SKU-1', 9], ['PAR', 'SKU-1', 1]);
  const network = [LONDON, MANCHESTER, GLASGOW, { ...PARIS, handlingCost: 0 }];

  it('given closest, when routed, then the nearest location ships', () => {
    expect(shippedFrom(route({ locations: network, atp: everywhere, ruleset: ranked(['closest']) }))).toEqual(['MAN']);
  });

  it('given locationPriority, when routed, then the highest ranked location ships even though it is farther', () => {
    const decision = route({ locations: network, atp: everywhere, ruleset: ranked(['locationPriority'], { locationRanking: ['GLA', 'LDN'] }) });
    expect(shippedFrom(decision)).toEqual(['GLA']);
    expect(decision.explanation.runnerUp).toMatchObject({ locations: ['LDN'], decidedBy: 'locationPriority' });
  });

  it('given highestStock, when routed, then the location with the most ATP ships', () => {
    expect(shippedFrom(route({ locations: network, atp: everywhere, ruleset: ranked(['highestStock']) }))).toEqual(['GLA']);
  });

  it('given lowestCost with free handling in Paris, when routed, then Paris ships; given stayInMarket first, then the cheapest GB location ships', () => {
    const cheap = ruleset({ costModel: { base: 3, perKm: 0.001, perKgKm: 0 } }).costModel;
    expect(shippedFrom(route({ locations: network, atp: everywhere, ruleset: ranked(['lowestCost'], { costModel: cheap }) }))).toEqual(['PAR']);
    const decision = route({ locations: network, atp: everywhere, ruleset: ranked(['stayInMarket', 'lowestCost'], { costModel: cheap }) });
    // Glasgow's lower handling beats Manchester's shorter distance at 0.001 per km.
    expect(shippedFrom(decision)).toEqual(['GLA']);
    expect(decision.explanation.chosen?.scores).toMatchObject({ stayInMarket: 0 });
  });

  it('given minimiseShipments then closest, when routed, then one far shipment beats two near ones, and closest breaks the tie between singles', () => {
    const atp = stock(['MAN', 'A', 1], ['YRK', 'B', 1], ['GLA', 'A', 1], ['GLA', 'B', 1], ['LDN', 'A', 1], ['LDN', 'B', 1]);
    const decision = route({ locations: [MANCHESTER, YORK, GLASGOW, LONDON], atp, ruleset: ranked(['minimiseShipments', 'closest']) }, twoLines);
    expect(shippedFrom(decision)).toEqual(['LDN']);
    expect(decision.explanation.runnerUp).toMatchObject({ locations: ['GLA'], decidedBy: 'closest' });
  });

  it('given closest alone, when routed, then two near shipments beat one far one', () => {
    const atp = stock(['MAN', 'A', 1], ['YRK', 'B', 1], ['GLA', 'A', 1], ['GLA', 'B', 1]);
    const decision = route({ locations: [MANCHESTER, YORK, GLASGOW], atp, ruleset: ranked(['closest']) }, twoLines);
    expect(shippedFrom(decision).sort()).toEqual(['MAN', 'YRK']);
  });
});
