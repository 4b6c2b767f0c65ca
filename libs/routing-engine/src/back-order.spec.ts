import type { RoutingDecision } from './decision';
import { GLASGOW, LONDON, MANCHESTER, order, route, ruleset, shippedFrom, stock } from './testing/fixtures';

// Line A is in stock at London; line B is nowhere.
const given = { locations: [LONDON, MANCHESTER], atp: stock(['LDN', 'A', 2]) };
const aAndB = order({ lines: [{ sku: 'A', quantity: 1 }, { sku: 'B', quantity: 1 }] });

const codes = (decision: RoutingDecision) =>
  (decision.type === 'OrderRouted' ? decision.unfulfilled : decision.lines).map((line) => [line.sku, line.quantity, line.disposition, line.reason.code]);

describe('back-order policy', () => {
  it('given hold (the default), when a line is unavailable, then the whole order is held and the available line waits with it', () => {
    const decision = route(given, aAndB);
    expect(decision).toMatchObject({ type: 'OrderUnroutable', disposition: 'held' });
    expect(codes(decision)).toEqual([
      ['A', 1, 'held', 'HELD_WITH_ORDER'],
      ['B', 1, 'held', 'NO_STOCK'],
    ]);
  });

  it('given ship-available, when a line is unavailable, then the available line ships and the rest is held', () => {
    const decision = route(given, order({ ...aAndB, backOrderPolicy: 'ship-available' }));
    expect(shippedFrom(decision)).toEqual(['LDN']);
    expect(codes(decision)).toEqual([['B', 1, 'held', 'NO_STOCK']]);
  });

  it('given cancel-unavailable, when a line is unavailable, then the available line ships and the rest is cancelled', () => {
    const decision = route(given, order({ ...aAndB, backOrderPolicy: 'cancel-unavailable' }));
    expect(shippedFrom(decision)).toEqual(['LDN']);
    expect(codes(decision)).toEqual([['B', 1, 'cancelled', 'NO_STOCK']]);
  });

  it('given cancel-unavailable, when nothing is available, then the order is unroutable and cancelled', () => {
    const decision = route(given, order({ lines: [{ sku: 'B', quantity: 1 }], backOrderPolicy: 'cancel-unavailable' }));
    expect(decision).toMatchObject({ type: 'OrderUnroutable', disposition: 'cancelled' });
  });

  it('given ship-available and more lines than shipments allow, when routed, then it ships the most units it can and holds the rest', () => {
    const atp = stock(['LDN', 'A', 1], ['MAN', 'B', 3], ['GLA', 'C', 1]);
    const threeLines = order({ lines: [{ sku: 'A', quantity: 1 }, { sku: 'B', quantity: 3 }, { sku: 'C', quantity: 1 }], backOrderPolicy: 'ship-available' });
    const decision = route({ locations: [LONDON, MANCHESTER, GLASGOW], atp, ruleset: ruleset({ maxShipments: 2 }) }, threeLines);
    expect(shippedFrom(decision)).toContain('MAN');
    expect(codes(decision)).toHaveLength(1);
    expect(codes(decision)[0]).toEqual([expect.any(String), 1, 'held', 'EXCEEDS_MAX_SHIPMENTS']);
  });

  describe('split', () => {
    const fiveUnits = { locations: [LONDON, MANCHESTER], atp: stock(['LDN', 'A', 3], ['MAN', 'A', 2]) };
    const five = order({ lines: [{ sku: 'A', quantity: 5 }], backOrderPolicy: 'split' });

    it('given no location has the whole line, when routed, then the split policy splits it across locations and says so', () => {
      const decision = route(fiveUnits, five);
      expect(shippedFrom(decision).sort()).toEqual(['LDN', 'MAN']);
      expect(decision.explanation.limits).toEqual({ maxShipments: 5, splitLines: true, relaxedBySplitPolicy: true });
    });

    it('given the order can ship unsplit, when routed, then the split policy changes nothing', () => {
      const decision = route(fiveUnits, order({ lines: [{ sku: 'A', quantity: 3 }], backOrderPolicy: 'split' }));
      expect(shippedFrom(decision)).toEqual(['LDN']);
      expect(decision.explanation.limits.relaxedBySplitPolicy).toBe(false);
    });

    it('given even splitting cannot cover the line, when routed, then the order is held', () => {
      const decision = route(fiveUnits, order({ lines: [{ sku: 'A', quantity: 6 }], backOrderPolicy: 'split' }));
      expect(decision).toMatchObject({ type: 'OrderUnroutable', disposition: 'held' });
      expect(codes(decision)).toEqual([['A', 6, 'held', 'NOT_ENOUGH_STOCK']]);
    });
  });

  it('given a per-channel policy, when a marketplace order is routed, then the channel policy applies; an order policy overrides it', () => {
    const rules = ruleset({ backOrder: { policy: 'hold', byChannel: { marketplace: 'cancel-unavailable' } } });
    const marketplace = order({ ...aAndB, channel: 'marketplace' });
    expect(route({ ...given, ruleset: rules }, marketplace).explanation.backOrderPolicy).toBe('cancel-unavailable');
    expect(route({ ...given, ruleset: rules }, { ...marketplace, backOrderPolicy: 'ship-available' }).explanation.backOrderPolicy).toBe('ship-available');
  });

  it('given two lines of the same SKU, when routed, then the repeat is reported as DUPLICATE_SKU rather than double-allocated', () => {
    const decision = route(given, order({ lines: [{ sku: 'A', quantity: 1 }, { sku: 'A', quantity: 1 }], backOrderPolicy: 'ship-available' }));
    expect(shippedFrom(decision)).toEqual(['LDN']);
    expect(codes(decision)).toEqual([['A', 1, 'held', 'DUPLICATE_SKU']]);
  });
});
