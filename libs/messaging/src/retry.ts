import { MessagingConfigurationError } from './errors';

/** How a consumer retries a failing handler before dead-lettering the message. */
export interface RetryPolicy {
  /** Attempts in all, the first included (1 = no retry). */
  readonly maxAttempts: number;
  /** Pause after the first failure; doubles after each further one. */
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 5, initialBackoffMs: 200, maxBackoffMs: 10_000 };

export function retryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  const policy = { ...DEFAULT_RETRY_POLICY, ...overrides };
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) {
    throw new MessagingConfigurationError(`retry.maxAttempts must be an integer of at least 1; got ${policy.maxAttempts}.`);
  }
  if (!(policy.initialBackoffMs >= 0) || !(policy.maxBackoffMs >= policy.initialBackoffMs)) {
    throw new MessagingConfigurationError(
      `retry backoff must satisfy 0 <= initialBackoffMs <= maxBackoffMs; got ${policy.initialBackoffMs} and ${policy.maxBackoffMs}.`,
    );
  }
  return policy;
}

/** Exponential backoff after the `failures`-th failure, capped, with up to 20 % jitter so retries of many consumers spread. */
export function backoffDelay(failures: number, initialMs: number, maxMs: number): number {
  const exponential = initialMs * 2 ** Math.max(0, failures - 1);
  const capped = Math.min(maxMs, exponential);
  return Math.round(capped * (0.8 + Math.random() * 0.2));
}

/** Sleeps `ms`; `onWake` receives a function that ends the sleep early. */
export function sleep(ms: number, onWake?: (wake: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    onWake?.(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
