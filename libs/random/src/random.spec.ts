import { mulberry32, Random, seedFromText, WeightedIndex } from './random';

describe('mulberry32', () => {
  it('repeats per seed, differs between seeds, stays in [0, 1)', () => {
    const a = mulberry32(7);
    const b = mulberry32(7);
    const c = mulberry32(8);
    const first = Array.from({ length: 1_000 }, () => a());
    expect(Array.from({ length: 1_000 }, () => b())).toEqual(first);
    expect(Array.from({ length: 1_000 }, () => c())).not.toEqual(first);
    expect(first.every((x) => x >= 0 && x < 1)).toBe(true);
    // Roughly uniform: each tenth of [0, 1) gets 10 % ± 3 %.
    const buckets = new Array(10).fill(0);
    for (const x of first) buckets[Math.floor(x * 10)] += 1;
    for (const count of buckets) expect(Math.abs(count - 100)).toBeLessThan(30);
  });

  it('names a bad seed or range', () => {
    expect(() => mulberry32(Number.NaN)).toThrow('mulberry32 needs a finite number as seed, got NaN');
    expect(() => new Random(1).int(3, 2)).toThrow('Random.int needs whole numbers min ≤ max, got 3..2');
  });
});

describe('Random and WeightedIndex', () => {
  it('draws whole numbers in range, picks, shuffles without losing anything, and weighs', () => {
    const random = new Random(3);
    const ints = Array.from({ length: 2_000 }, () => random.int(2, 5));
    expect(new Set(ints)).toEqual(new Set([2, 3, 4, 5]));
    expect(random.shuffle([1, 2, 3, 4, 5]).sort()).toEqual([1, 2, 3, 4, 5]);
    const heavy = Array.from({ length: 4_000 }, () => random.weighted([['a', 1], ['b', 3]] as const)).filter((x) => x === 'b').length;
    expect(heavy / 4_000).toBeGreaterThan(0.7);
    expect(heavy / 4_000).toBeLessThan(0.8);
    const index = new WeightedIndex([0, 1, 0, 9]);
    const draws = Array.from({ length: 4_000 }, () => index.draw(random));
    expect(draws.filter((i) => i === 0 || i === 2)).toEqual([]);
    expect(draws.filter((i) => i === 3).length / 4_000).toBeGreaterThan(0.85);
  });

  it('seeds from text the same way every time', () => {
    expect(seedFromText('run-1')).toBe(seedFromText('run-1'));
    expect(seedFromText('run-1')).not.toBe(seedFromText('run-2'));
    expect(() => new WeightedIndex([0, 0])).toThrow('WeightedIndex needs at least one positive weight');
  });
});
