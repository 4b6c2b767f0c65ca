// The sweep: the same run at increasing rates until p99 received → FulfilmentInstructed passes the bound (or an
// order is lost, or the platform cannot even take the offered load); the last rate that held is the maximum
// sustainable rate.
import type { SweepOptions } from './args';
import type { RunResult } from './run';

export interface Verdict {
  readonly passed: boolean;
  readonly why: string;
}

/** Did a run at `rate` hold? Pure: from the run's figures. */
export function judgeStep(rate: number, result: Pick<RunResult, 'failures' | 'drained' | 'offeredPerSecond' | 'ledger'>, p99BoundMs: number): Verdict {
  if (result.failures.length > 0) return { passed: false, why: `failed: ${result.failures[0]}` };
  if (!result.drained) return { passed: false, why: 'orders still in flight at the drain timeout' };
  if (result.offeredPerSecond < rate * 0.9) return { passed: false, why: `could only offer ${result.offeredPerSecond.toFixed(1)}/s of ${rate}/s` };
  const p99 = result.ledger.latencies.fromIntended.instructed.p99;
  if (result.ledger.latencies.fromIntended.instructed.count === 0) return { passed: false, why: 'no order was instructed' };
  if (p99 > p99BoundMs) return { passed: false, why: `p99 ${p99} ms > ${p99BoundMs} ms` };
  return { passed: true, why: 'ok' };
}

/** The rates of a sweep: start, start × factor, … (at most maxSteps). */
export function sweepRates(options: Pick<SweepOptions, 'startRate' | 'stepFactor' | 'maxSteps'>): number[] {
  return Array.from({ length: options.maxSteps }, (_, i) => Math.round(options.startRate * Math.pow(options.stepFactor, i) * 10) / 10);
}
