/**
 * Polls `check` until it returns without throwing, and returns its result; after `timeoutMs` rethrows the last
 * failure. For tests against real brokers: wait for a condition, never for a fixed time. The default is generous
 * (as service-kit's): a group join or a relay's first send can take long on a loaded machine, and a passing test
 * never waits it out.
 */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 60_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() >= deadline) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(`condition not met within ${timeoutMs} ms: ${reason}`, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}
