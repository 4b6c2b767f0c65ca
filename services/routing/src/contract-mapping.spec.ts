import type { BackOrderPolicy, OrderLine } from '@switchyard/contracts';
import { atpFromRecords, completeRuleset, routeOrder, type Location, type RulesetInput } from '@switchyard/routing-engine';
import { ENGINE_BACK_ORDER_POLICY, engineLines, LineLedger, money, toReply } from './contract-mapping';

// Given a network and its ATP, when the engine decides an order of contract lines, then the reply the saga reads.
const LDN: Location = { id: 'LDN', lat: 51.51, lon: -0.13, country: 'GB', handlingCost: 1 };
const MAN: Location = { id: 'MAN', lat: 53.48, lon: -2.24, country: 'GB', handlingCost: 1 };
const STORE: Location = { id: 'STORE', lat: 51.5, lon: -0.1, country: 'GB', handlingCost: 1, channels: ['click-and-collect'] };
const FULL: Location = { id: 'FULL', lat: 51.52, lon: -0.11, country: 'GB', handlingCost: 1, dailyCapacity: 10, usedToday: 10 };
const NOW = Date.UTC(2026, 10, 27, 10, 0);

const line = (lineId: string, sku: string, quantity: number, unitWeightGrams: number | null = null): OrderLine => ({
  lineId,
  sku,
  quantity,
  unitWeightGrams,
  unitPrice: { amount: '1.0000', currency: 'EUR' },
});

type Given = { locations: Location[]; stock: [locationId: string, sku: string, available: number][]; ruleset?: RulesetInput };

const decide = (given: Given, lines: OrderLine[], policy: BackOrderPolicy = 'HOLD') => {
  const atp = atpFromRecords(given.stock.map(([locationId, sku, available]) => ({ locationId, sku, available })));
  const decision = routeOrder({
    order: { id: 'O-1', channel: 'web', destination: { lat: 51.52, lon: -0.1, country: 'GB' }, serviceLevel: 'STANDARD', lines: engineLines(lines), backOrderPolicy: ENGINE_BACK_ORDER_POLICY[policy] },
    network: { locations: given.locations },
    atp,
    ruleset: completeRuleset({ splitPenalty: 2, ...given.ruleset }),
    now: NOW,
  });
  return toReply({ decisionId: 'D-1', orderId: 'O-1', attempt: 3, lines, currency: 'EUR', decision, atp });
};

describe('engine decisions as contract replies', () => {
  it('names shipments by order, attempt and position, with Money to four places and the delivery date', () => {
    const reply = decide({ locations: [LDN, MAN], stock: [['LDN', 'A', 5], ['MAN', 'B', 5]] }, [line('1', 'A', 1), line('2', 'B', 2)]);
    if (reply.type !== 'OrderRouted') throw new Error(reply.payload.summary);
    expect(reply.payload.plan.shipments.map((s) => [s.shipmentId, s.locationId, s.lines])).toEqual([
      ['O-1.a3.s1', 'LDN', [{ lineId: '1', sku: 'A', quantity: 1 }]],
      ['O-1.a3.s2', 'MAN', [{ lineId: '2', sku: 'B', quantity: 2 }]],
    ]);
    for (const shipment of reply.payload.plan.shipments) {
      expect(shipment.estimatedCost).toEqual({ amount: expect.stringMatching(/^\d+\.\d{4}$/), currency: 'EUR' });
      expect(shipment.estimatedDelivery).toMatch(/^2026-11-\d\d$/);
    }
    expect(reply.payload.explanation).toMatchObject({ decisionId: 'D-1', rulesetId: 'default', rulesetVersion: 1, candidatesConsidered: 2 });
    expect(reply.payload.plan.backOrderedLines).toEqual([]);
  });

  it('plans lines repeating a SKU as one and hands the units back to each line in order', () => {
    const lines = [line('1', 'A', 2, 100), line('2', 'B', 1), line('3', 'A', 1, 400)];
    expect(engineLines(lines)).toEqual([
      { sku: 'A', quantity: 3, weightKg: 0.2 },
      { sku: 'B', quantity: 1 },
    ]);
    const reply = decide({ locations: [LDN], stock: [['LDN', 'A', 3], ['LDN', 'B', 1]] }, lines);
    if (reply.type !== 'OrderRouted') throw new Error(reply.payload.summary);
    expect(reply.payload.plan.shipments[0].lines).toEqual([
      { lineId: '1', sku: 'A', quantity: 2 },
      { lineId: '3', sku: 'A', quantity: 1 },
      { lineId: '2', sku: 'B', quantity: 1 },
    ]);
  });

  it('PART_SHIP: the plan ships what it can and back-orders the rest', () => {
    const reply = decide({ locations: [LDN], stock: [['LDN', 'A', 5]] }, [line('1', 'A', 1), line('2', 'B', 2)], 'PART_SHIP');
    if (reply.type !== 'OrderRouted') throw new Error(reply.payload.summary);
    expect(reply.payload.plan.shipments.map((s) => s.lines)).toEqual([[{ lineId: '1', sku: 'A', quantity: 1 }]]);
    expect(reply.payload.plan.backOrderedLines).toEqual([{ lineId: '2', sku: 'B', quantity: 2 }]);
    expect(reply.payload.explanation.summary).toContain('Back-ordered: line 2 (2 × B): no location has ATP for B');
  });

  it('CANCEL_UNAVAILABLE: what cannot ship is neither shipped nor back-ordered; nothing placeable is unroutable', () => {
    const reply = decide({ locations: [LDN], stock: [['LDN', 'A', 3]] }, [line('1', 'A', 1), line('2', 'B', 1)], 'CANCEL_UNAVAILABLE');
    if (reply.type !== 'OrderRouted') throw new Error(reply.payload.summary);
    expect(reply.payload.plan.shipments.map((s) => s.lines)).toEqual([[{ lineId: '1', sku: 'A', quantity: 1 }]]);
    expect(reply.payload.plan.backOrderedLines).toEqual([]);
    expect(reply.payload.explanation.summary).toContain('Cancelled: line 2 (1 × B): no location has ATP for B');

    // Whole lines only: 3 of 5 A cannot ship without splitting line 1, and B has none.
    const nothing = decide({ locations: [LDN], stock: [['LDN', 'A', 3]] }, [line('1', 'A', 5), line('2', 'B', 1)], 'CANCEL_UNAVAILABLE');
    if (nothing.type !== 'OrderUnroutable') throw new Error('routed');
    expect(nothing.payload).toMatchObject({ reason: 'NO_STOCK', unplaceableLines: [{ lineId: '1', quantity: 5 }, { lineId: '2', quantity: 1 }] });
  });

  it('HOLD short of stock: unroutable NO_STOCK, naming only the lines that block it', () => {
    const reply = decide({ locations: [LDN], stock: [['LDN', 'A', 5]] }, [line('1', 'A', 1), line('2', 'B', 2)]);
    if (reply.type !== 'OrderUnroutable') throw new Error('routed');
    expect(reply.payload).toMatchObject({ orderId: 'O-1', attempt: 3, reason: 'NO_STOCK', decisionId: 'D-1', unplaceableLines: [{ lineId: '2', sku: 'B', quantity: 2 }] });
    expect(reply.payload.summary).toMatch(/^NO_STOCK: line 1 \(1 × A\): A could ship, but the order waits .*; line 2 \(2 × B\): no location has ATP for B/);
  });

  it.each([
    ['stock only at a location that does not serve the channel → NO_ELIGIBLE_LOCATION', [STORE], [['STORE', 'A', 5]], {}, 'NO_ELIGIBLE_LOCATION'],
    ['stock only at a location without capacity left today → CAPACITY_EXHAUSTED', [FULL], [['FULL', 'A', 5]], {}, 'CAPACITY_EXHAUSTED'],
    ['stock only at a location that does not ship to the destination → UNSERVICEABLE_DESTINATION', [{ ...LDN, markets: ['FR'] }], [['LDN', 'A', 5]], {}, 'UNSERVICEABLE_DESTINATION'],
    ['stock only past the cutoff → PAST_CUTOFF', [{ ...LDN, cutoffs: { STANDARD: '09:00' } }], [['LDN', 'A', 5]], {}, 'PAST_CUTOFF'],
    ['lines that ship alone but not together within maxShipments → TOO_MANY_SPLITS', [LDN, MAN], [['LDN', 'A', 5], ['MAN', 'B', 5]], { maxShipments: 1 }, 'TOO_MANY_SPLITS'],
  ] as const)('unroutable: %s', (_, locations, stock, rulesetInput, reason) => {
    const lines = stock.length === 2 ? [line('1', 'A', 1), line('2', 'B', 1)] : [line('1', 'A', 1)];
    const reply = decide({ locations: [...locations], stock: stock.map((s) => [...s]), ruleset: rulesetInput }, lines);
    if (reply.type !== 'OrderUnroutable') throw new Error('routed');
    expect(reply.payload.reason).toBe(reason);
  });

  it('a reason waiting cannot fix wins over one it can', () => {
    const reply = decide({ locations: [LDN, STORE], stock: [['STORE', 'A', 5]] }, [line('1', 'A', 1), line('2', 'B', 1)]);
    if (reply.type !== 'OrderUnroutable') throw new Error('routed');
    expect(reply.payload.reason).toBe('NO_ELIGIBLE_LOCATION');
    expect(reply.payload.unplaceableLines.map((l) => l.lineId)).toEqual(['1', '2']);
  });

  it('the ledger never hands out more units than the order asked for', () => {
    const ledger = new LineLedger([line('1', 'A', 2)]);
    expect(ledger.take('A', 2)).toEqual([{ lineId: '1', sku: 'A', quantity: 2 }]);
    expect(() => ledger.take('A', 1)).toThrow('the plan hands out 1 units of A, 1 more than the order asked for');
    expect(money(12.5, 'GBP')).toEqual({ amount: '12.5000', currency: 'GBP' });
  });
});
