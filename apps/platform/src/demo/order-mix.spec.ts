import { demoNetwork } from './network';
import { createOrderMix, DEFAULT_MIX_PROPORTIONS, EXPRESS_MAX_GRAMS, takeOrders, type GeneratedOrder } from './order-mix';

const N = 10_000;
let orders: GeneratedOrder[];

beforeAll(() => {
  orders = takeOrders(createOrderMix({ seed: 42, network: demoNetwork }), N);
});

const share = (count: number, of: number) => count / of;

describe('the order mix', () => {
  it('is deterministic per seed (and run id), and never asks Math.random', () => {
    const random = jest.spyOn(Math, 'random');
    try {
      const again = takeOrders(createOrderMix({ seed: 42, network: demoNetwork }), 500);
      expect(JSON.stringify(again)).toBe(JSON.stringify(orders.slice(0, 500)));
      expect(random).not.toHaveBeenCalled();
    } finally {
      random.mockRestore();
    }
    const otherSeed = takeOrders(createOrderMix({ seed: 43, network: demoNetwork }), 50);
    expect(otherSeed.map((o) => o.body.lines)).not.toEqual(orders.slice(0, 50).map((o) => o.body.lines));
    const otherRun = takeOrders(createOrderMix({ seed: 42, network: demoNetwork, runId: 'run-2' }), 3);
    expect(otherRun.map((o) => o.body.channelOrderId)).toEqual([expect.stringMatching(/-run-2-0000001$/), expect.stringMatching(/-run-2-0000002$/), expect.stringMatching(/-run-2-0000003$/)]);
  });

  it('gives every order its own channel order id, prefixed by its channel', () => {
    expect(new Set(orders.map((o) => o.body.channelOrderId)).size).toBe(N);
    const prefixes = Object.fromEntries(demoNetwork.channels.map((c) => [c.channelId, c.orderIdPrefix]));
    for (const order of orders) expect(order.body.channelOrderId.startsWith(`${prefixes[order.channelId]}-s42-`)).toBe(true);
    expect(orders.map((o) => o.sequence)).toEqual(orders.map((_, i) => i));
  });

  it('splits the traffic over the channels and the countries by their shares', () => {
    for (const channel of demoNetwork.channels) {
      expect(Math.abs(share(orders.filter((o) => o.channelId === channel.channelId).length, N) - channel.share)).toBeLessThan(0.02);
    }
    const b2c = orders.filter((o) => o.channelId !== 'wholesale');
    for (const country of demoNetwork.countries) {
      expect(Math.abs(share(b2c.filter((o) => o.body.destination.countryCode === country.code).length, b2c.length) - country.share)).toBeLessThan(0.02);
    }
  });

  it('has the promised proportions: ~5 % priority customers, ~3 % out-of-stock lines, ~3 % cancellations, ~12 % express B2C', () => {
    const lines = orders.flatMap((o) => o.body.lines);
    const outOfStock = new Set(demoNetwork.outOfStockSkus);
    const b2c = orders.filter((o) => o.channelId !== 'wholesale');
    const measured = {
      priority: share(orders.filter((o) => o.body.customer.priority > 0).length, N),
      outOfStockLines: share(lines.filter((l) => outOfStock.has(l.sku)).length, lines.length),
      cancellations: share(orders.filter((o) => o.cancelAfterMs !== null).length, N),
      expressB2c: share(b2c.filter((o) => o.body.serviceLevel === 'EXPRESS').length, b2c.length),
    };
    expect(Math.abs(measured.priority - DEFAULT_MIX_PROPORTIONS.priorityCustomers)).toBeLessThan(0.01);
    expect(Math.abs(measured.outOfStockLines - DEFAULT_MIX_PROPORTIONS.outOfStockLines)).toBeLessThan(0.006);
    expect(Math.abs(measured.cancellations - DEFAULT_MIX_PROPORTIONS.cancellations)).toBeLessThan(0.006);
    expect(Math.abs(measured.expressB2c - DEFAULT_MIX_PROPORTIONS.express)).toBeLessThan(0.015);
    // The traits the mix reports are what the bodies say.
    expect(orders.filter((o) => o.traits.priority).length).toBe(orders.filter((o) => o.body.customer.priority > 0).length);
    expect(orders.reduce((sum, o) => sum + o.traits.outOfStockLines, 0)).toBe(lines.filter((l) => outOfStock.has(l.sku)).length);
    // Priority customers carry their tier.
    for (const order of orders.filter((o) => o.traits.priority)) expect(['vip', 'key-account']).toContain(order.body.customer.tier);
  });

  it('makes B2C orders of mostly 1–2 lines and at most 8, and wholesale orders of whole cases', () => {
    const b2c = orders.filter((o) => o.channelId !== 'wholesale');
    const wholesale = orders.filter((o) => o.channelId === 'wholesale');
    const small = share(b2c.filter((o) => o.body.lines.length <= 2).length, b2c.length);
    expect(small).toBeGreaterThan(0.75);
    expect(small).toBeLessThan(0.88);
    expect(Math.max(...b2c.map((o) => o.body.lines.length))).toBe(8);
    expect(b2c.some((o) => o.body.lines.length >= 3)).toBe(true);
    const casePack = new Map(demoNetwork.skus.map((s) => [s.sku, s.casePack]));
    for (const order of wholesale) {
      expect(order.body.lines.length).toBeGreaterThanOrEqual(2);
      for (const line of order.body.lines) expect(line.quantity % (casePack.get(line.sku) ?? 0)).toBe(0);
    }
    const meanUnits = (list: GeneratedOrder[]) => list.reduce((sum, o) => sum + o.traits.units, 0) / list.length;
    expect(meanUnits(wholesale)).toBeGreaterThan(10 * meanUnits(b2c));
    // Within an order every SKU is on one line; line ids 1..n.
    for (const order of orders) {
      expect(new Set(order.body.lines.map((l) => l.sku)).size).toBe(order.body.lines.length);
      expect(order.body.lines.map((l) => l.lineId)).toEqual(order.body.lines.map((_, i) => String(i + 1)));
    }
  });

  it('asks for express only for B2C parcels the express carriers take, and only ships where a location serves the channel', () => {
    for (const order of orders.filter((o) => o.body.serviceLevel === 'EXPRESS')) {
      expect(order.channelId).not.toBe('wholesale');
      expect(order.traits.weightGrams).toBeLessThanOrEqual(EXPRESS_MAX_GRAMS);
    }
    expect(new Set(orders.map((o) => o.body.serviceLevel))).toEqual(new Set(['STANDARD', 'EXPRESS']));
    for (const order of orders) {
      const servable = demoNetwork.locations.some((l) => l.channels.includes(order.channelId) && l.markets.includes(order.body.destination.countryCode));
      expect({ order: order.body.channelOrderId, servable }).toEqual({ order: order.body.channelOrderId, servable: true });
    }
  });

  it('addresses orders to real cities with postcodes in each country’s format and coordinates near the city', () => {
    const formats: Record<string, RegExp> = { DE: /^\d{5}$/, AT: /^\d{4}$/, BE: /^\d{4}$/, NL: /^\d{4} [A-Z]{2}$/, PL: /^\d{2}-\d{3}$/ };
    const cities = new Map(demoNetwork.countries.flatMap((c) => c.cities.map((city) => [`${c.code}/${city.name}`, city] as const)));
    for (const { body } of orders) {
      const d = body.destination;
      expect(d.postalCode).toMatch(formats[d.countryCode] as RegExp);
      const city = cities.get(`${d.countryCode}/${d.city}`);
      expect(city).toBeDefined();
      expect(Math.abs((d.coordinates?.latitude ?? 0) - (city?.lat ?? 0))).toBeLessThan(0.05);
      expect(d.recipientName.trim().length).toBeGreaterThan(0);
      expect(d.line1).toMatch(/\d/);
    }
    expect(new Set(orders.map((o) => o.body.destination.city)).size).toBeGreaterThan(30);
  });

  it('flags cancellations with a delay in the given range', () => {
    const delays = orders.map((o) => o.cancelAfterMs).filter((d): d is number => d !== null);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(2_000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(20_000);
    const custom = takeOrders(createOrderMix({ seed: 1, network: demoNetwork, proportions: { cancellations: 1 }, cancelAfterMs: [5, 10] }), 100);
    expect(custom.every((o) => o.cancelAfterMs !== null && o.cancelAfterMs >= 5 && o.cancelAfterMs <= 10)).toBe(true);
  });

  it('sends for the chosen channels only, and names what is wrong with the options', () => {
    const wholesaleOnly = takeOrders(createOrderMix({ seed: 3, network: demoNetwork, channels: ['wholesale'] }), 200);
    expect(new Set(wholesaleOnly.map((o) => o.channelId))).toEqual(new Set(['wholesale']));
    expect(() => createOrderMix({ seed: 3, network: demoNetwork, channels: ['shop'] })).toThrow('createOrderMix: unknown channel(s) shop; the network has web, marketplace, wholesale');
    expect(() => createOrderMix({ seed: 3, network: demoNetwork, proportions: { express: 2 } })).toThrow('createOrderMix: proportions.express must be from 0 to 1, got 2');
    expect(() => createOrderMix({ seed: 3, network: demoNetwork, runId: 'has space' })).toThrow('createOrderMix: runId must be 1–40 letters, digits, _ or -, got "has space"');
    expect(() => createOrderMix({ seed: 3, network: demoNetwork, cancelAfterMs: [10, 5] })).toThrow('createOrderMix: cancelAfterMs must be [min, max] whole milliseconds with 0 ≤ min ≤ max, got [10, 5]');
  });
});
