import type { ReservationItem } from '@switchyard/contracts';
import { decideReservation, HeldItem, holdsOf, planDispatch, planRelease, reservationProblems, reservationState, StockLevel, stockKey, takeFromOnHand } from './index';

const item = (lineId: string, sku: string, locationId: string, quantity: number): ReservationItem => ({ lineId, sku, locationId, quantity });
const levels = (...rows: StockLevel[]) => new Map(rows.map((row) => [stockKey(row.sku, row.locationId), row]));
const held = (lineId: string, sku: string, locationId: string, quantity: number, released = 0, dispatched = 0, reservationId = 'r-1'): HeldItem => ({
  reservationId,
  lineId,
  sku,
  locationId,
  quantity,
  released,
  dispatched,
});
const noSafety = () => 0;

describe('deciding a reservation', () => {
  const stock = levels({ sku: 'A', locationId: 'dc-1', onHand: 10, reserved: 4 }, { sku: 'B', locationId: 'dc-2', onHand: 5, reserved: 0 });

  it('given enough ATP for every item, when reserving, then it holds every SKU × location, in lock order', () => {
    expect(decideReservation([item('2', 'B', 'dc-2', 5), item('1', 'A', 'dc-1', 6)], stock, noSafety)).toEqual({
      outcome: 'HELD',
      holds: [
        { sku: 'A', locationId: 'dc-1', quantity: 6 },
        { sku: 'B', locationId: 'dc-2', quantity: 5 },
      ],
    });
  });

  it('given one item short, then nothing is held and only that line is named with requested and available', () => {
    expect(decideReservation([item('1', 'A', 'dc-1', 6), item('2', 'B', 'dc-2', 6)], stock, noSafety)).toEqual({
      outcome: 'FAILED',
      reason: 'INSUFFICIENT_STOCK',
      shortItems: [{ lineId: '2', sku: 'B', locationId: 'dc-2', requested: 6, available: 5 }],
    });
  });

  it('keeps safety stock back from promising', () => {
    const decision = decideReservation([item('1', 'A', 'dc-1', 6)], stock, (sku) => (sku === 'A' ? 1 : 0));
    expect(decision).toEqual({ outcome: 'FAILED', reason: 'INSUFFICIENT_STOCK', shortItems: [{ lineId: '1', sku: 'A', locationId: 'dc-1', requested: 6, available: 5 }] });
  });

  it('lets lines of one SKU at one location share its ATP in the order sent', () => {
    const decision = decideReservation([item('1', 'A', 'dc-1', 4), item('2', 'A', 'dc-1', 4)], stock, noSafety);
    expect(decision).toEqual({ outcome: 'FAILED', reason: 'INSUFFICIENT_STOCK', shortItems: [{ lineId: '2', sku: 'A', locationId: 'dc-1', requested: 4, available: 2 }] });
    expect(decideReservation([item('1', 'A', 'dc-1', 3), item('2', 'A', 'dc-1', 3)], stock, noSafety)).toEqual({
      outcome: 'HELD',
      holds: [{ sku: 'A', locationId: 'dc-1', quantity: 6 }],
    });
  });

  it('treats a SKU × location never counted as having nothing', () => {
    expect(decideReservation([item('1', 'C', 'dc-1', 1)], stock, noSafety)).toMatchObject({ outcome: 'FAILED', shortItems: [{ sku: 'C', requested: 1, available: 0 }] });
  });

  it('names what is wrong with the items of a command', () => {
    expect(reservationProblems([])).toEqual(['it has no items; a reservation holds at least one line at one location']);
    expect(reservationProblems([item('1', 'A', 'dc-1', 0), item('2', 'A', 'dc-1', 1), item('2', 'A', 'dc-1', 2)])).toEqual([
      'line 1 (A at dc-1) asks for 0 units; ask for 1 or more',
      'line 2 appears twice at dc-1; send one item per line and location',
    ]);
    expect(reservationProblems([item('1', 'A', 'dc-1', 1), item('1', 'A', 'dc-2', 1)])).toEqual([]);
  });

  it('adds up holds per SKU × location', () => {
    expect(holdsOf([item('1', 'B', 'dc-1', 1), item('2', 'A', 'dc-2', 2), item('3', 'B', 'dc-1', 3)])).toEqual([
      { sku: 'A', locationId: 'dc-2', quantity: 2 },
      { sku: 'B', locationId: 'dc-1', quantity: 4 },
    ]);
  });
});

describe('releasing', () => {
  const items = [held('1', 'A', 'dc-1', 5, 1), held('2', 'B', 'dc-1', 2, 0, 2)];

  it('with no items, gives back everything still held', () => {
    expect(planRelease(items, [])).toEqual({ releases: [{ item: items[0], quantity: 4 }], nothingHeld: [] });
  });

  it('with items, gives back up to what is still held of each line, and names the rest', () => {
    const asked = [item('1', 'A', 'dc-1', 10), item('2', 'B', 'dc-1', 1), item('9', 'A', 'dc-1', 1)];
    expect(planRelease(items, asked)).toEqual({ releases: [{ item: items[0], quantity: 4 }], nothingHeld: [asked[1], asked[2]] });
  });

  it('never gives back the same unit twice within one command', () => {
    expect(planRelease(items, [item('1', 'A', 'dc-1', 3), item('1', 'A', 'dc-1', 3)])).toEqual({
      releases: [{ item: items[0], quantity: 4 }],
      nothingHeld: [],
    });
  });
});

describe('dispatching', () => {
  it('consumes the held units of the shipped lines, oldest reservation first', () => {
    const older = held('1', 'A', 'dc-1', 2, 0, 0, 'r-old');
    const newer = held('1', 'A', 'dc-1', 3, 0, 0, 'r-new');
    const plan = planDispatch([older, newer], [{ lineId: '1', sku: 'A', quantity: 4 }]);
    expect(plan.consumed).toEqual([
      { item: older, quantity: 2 },
      { item: newer, quantity: 2 },
    ]);
    expect(plan.unreserved).toEqual([]);
    expect(plan.shippedBySku).toEqual(new Map([['A', 4]]));
  });

  it('reports units shipped beyond what was held as unreserved', () => {
    const line = held('1', 'A', 'dc-1', 2, 1);
    const plan = planDispatch([line], [{ lineId: '1', sku: 'A', quantity: 3 }, { lineId: '2', sku: 'B', quantity: 1 }]);
    expect(plan.consumed).toEqual([{ item: line, quantity: 1 }]);
    expect(plan.unreserved).toEqual([
      { lineId: '1', sku: 'A', quantity: 2 },
      { lineId: '2', sku: 'B', quantity: 1 },
    ]);
  });

  it('never takes on hand below 0; the missing units are the shortfall', () => {
    expect(takeFromOnHand(5, 3)).toEqual({ onHandAfter: 2, shortfall: 0 });
    expect(takeFromOnHand(2, 3)).toEqual({ onHandAfter: 0, shortfall: 1 });
  });
});

describe('the state of a reservation', () => {
  it('is HELD while a unit is held, then DISPATCHED if anything shipped, else RELEASED', () => {
    expect(reservationState([held('1', 'A', 'dc-1', 2, 1)])).toBe('HELD');
    expect(reservationState([held('1', 'A', 'dc-1', 2, 1, 1)])).toBe('DISPATCHED');
    expect(reservationState([held('1', 'A', 'dc-1', 2, 2)])).toBe('RELEASED');
  });
});
