import { build, type Histogram } from 'hdr-histogram-js';

/** Milliseconds from 1 ms to one hour, 3 significant digits. */
export function latencyHistogram(): Histogram {
  return build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000, numberOfSignificantValueDigits: 3 });
}

/** Records a latency in ms (rounded; below 1 ms counts as 1 ms, the histogram's resolution; beyond an hour clamps). */
export function recordMs(histogram: Histogram, ms: number): void {
  histogram.recordValue(Math.min(3_600_000, Math.max(1, Math.round(ms))));
}

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

export function summarise(histogram: Histogram): LatencySummary {
  const count = histogram.totalCount;
  if (count === 0) return { count: 0, p50: 0, p90: 0, p99: 0, max: 0, mean: 0 };
  // Percentiles are reported as the highest value equivalent to their bucket; never above the recorded maximum.
  const max = histogram.maxValue;
  return {
    count,
    p50: Math.min(max, histogram.getValueAtPercentile(50)),
    p90: Math.min(max, histogram.getValueAtPercentile(90)),
    p99: Math.min(max, histogram.getValueAtPercentile(99)),
    max,
    mean: Math.round(histogram.mean * 10) / 10,
  };
}

/** "1,234 ms" / "12.3 s" for tables. */
export function formatMs(ms: number): string {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.round(ms).toLocaleString('en-GB')} ms`;
}

export function formatNumber(value: number, digits = 0): string {
  return value.toLocaleString('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
