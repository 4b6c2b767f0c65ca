// A small seeded PRNG for test data, demo networks, benchmark loads and simulators: the same seed gives the same
// numbers on every machine and every run, so scenarios are reproducible. Never Math.random.

/** mulberry32: a 32-bit state PRNG returning numbers in [0, 1). Fast, tiny and good enough for test data. */
export function mulberry32(seed: number): () => number {
  if (!Number.isFinite(seed)) throw new Error(`mulberry32 needs a finite number as seed, got ${String(seed)}`);
  let state = Math.trunc(seed) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit seed from text (FNV-1a), for seeding from names such as a run id. */
export function seedFromText(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** Convenience draws over one mulberry32 stream. */
export class Random {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  /** A number in [0, 1). */
  float(): number {
    return this.next();
  }

  /** A whole number from min to max, both included. */
  int(min: number, max: number): number {
    if (!Number.isInteger(min) || !Number.isInteger(max) || max < min) throw new Error(`Random.int needs whole numbers min ≤ max, got ${min}..${max}`);
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with the given probability (0..1). */
  chance(probability: number): boolean {
    return this.next() < probability;
  }

  /** One element, uniformly. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Random.pick needs at least one item');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** One element, with probability proportional to its weight (weights ≥ 0, not all 0). */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((sum, [, weight]) => sum + weight, 0);
    if (!(total > 0)) throw new Error('Random.weighted needs at least one positive weight');
    let point = this.next() * total;
    for (const [item, weight] of items) {
      point -= weight;
      if (point < 0) return item;
    }
    return (items[items.length - 1] as readonly [T, number])[0];
  }

  /** A copy in random order (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
    }
    return copy;
  }
}

/**
 * Draws indexes 0..n-1 with fixed weights in O(log n) per draw (cumulative weights, binary search): for picking
 * SKUs by popularity thousands of times a second.
 */
export class WeightedIndex {
  private readonly cumulative: number[];

  constructor(weights: readonly number[]) {
    let sum = 0;
    this.cumulative = weights.map((weight) => {
      if (!(weight >= 0)) throw new Error(`WeightedIndex weights must be ≥ 0, got ${weight}`);
      return (sum += weight);
    });
    if (!(sum > 0)) throw new Error('WeightedIndex needs at least one positive weight');
  }

  draw(random: Random): number {
    const total = this.cumulative[this.cumulative.length - 1] as number;
    const point = random.float() * total;
    let low = 0;
    let high = this.cumulative.length - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((this.cumulative[mid] as number) > point) high = mid;
      else low = mid + 1;
    }
    return low;
  }
}
