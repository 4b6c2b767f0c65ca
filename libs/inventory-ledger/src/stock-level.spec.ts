import { applyCount, availableToPromise, parseSafetyStockPolicy, safetyStockFor, viewOf } from './index';

const level = { sku: 'SKU-1', locationId: 'dc-berlin', onHand: 10, reserved: 3 };

describe('available to promise', () => {
  it('is on hand minus reserved minus safety stock', () => {
    expect(availableToPromise(level, 2)).toBe(5);
    expect(viewOf(level, 2)).toEqual({ ...level, safetyStock: 2, available: 5 });
  });

  it('is 0, never negative, when reservations and safety stock exceed on hand', () => {
    expect(availableToPromise({ onHand: 4, reserved: 3 }, 2)).toBe(0);
    expect(availableToPromise({ onHand: 1, reserved: 3 }, 0)).toBe(0);
  });
});

describe('a location count', () => {
  it('sets on hand to the count and records the change as inventory saw it', () => {
    expect(applyCount(level, 14)).toEqual({ level: { ...level, onHand: 14 }, onHandDelta: 4, reservedBeyondOnHand: 0 });
  });

  it('may leave on hand below reserved (stock lost): the gap is reported, ATP is 0', () => {
    const counted = applyCount(level, 1);
    expect(counted).toEqual({ level: { ...level, onHand: 1 }, onHandDelta: -9, reservedBeyondOnHand: 2 });
    expect(availableToPromise(counted.level, 0)).toBe(0);
  });

  it('refuses a negative or fractional count, naming the SKU and location', () => {
    expect(() => applyCount(level, -1)).toThrow('A count of SKU-1 at dc-berlin must be a whole number of units, 0 or more; got -1.');
    expect(() => applyCount(level, 1.5)).toThrow(/got 1.5/);
  });
});

describe('safety stock policy', () => {
  const policy = parseSafetyStockPolicy(1, ['dc-berlin=3', 'SKU-1@dc-berlin=5']);

  it('takes the SKU-at-location rule first, then the location rule, then the default', () => {
    expect(safetyStockFor(policy, 'SKU-1', 'dc-berlin')).toBe(5);
    expect(safetyStockFor(policy, 'SKU-2', 'dc-berlin')).toBe(3);
    expect(safetyStockFor(policy, 'SKU-1', 'dc-paris')).toBe(1);
  });

  it('lists every malformed or repeated rule at once', () => {
    expect(() => parseSafetyStockPolicy(0, ['dc-berlin=x', 'dc-paris=1', 'dc-paris=2'])).toThrow(
      'Safety stock rules are wrong: "dc-berlin=x" is not a safety stock rule; write locationId=units or sku@locationId=units; "dc-paris=2" repeats the rule for dc-paris; keep one.',
    );
  });

  it('refuses a negative default', () => {
    expect(() => parseSafetyStockPolicy(-1, [])).toThrow(/default safety stock must be a whole number of units, 0 or more; got -1/);
  });
});
