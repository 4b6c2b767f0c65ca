import { Kafka, logLevel } from 'kafkajs';
import { InfrastructureUnavailableError } from '../errors';
import { sleep } from '../process';

export interface WaitOptions {
  readonly timeoutMs: number;
  /** Checked between attempts: a reason to give up at once (e.g. the broker process died). */
  readonly abortIf?: () => string | undefined;
}

/** Ready means a real metadata request succeeds (describeCluster), not merely that the port is open. */
export async function waitForKafka(brokers: string[], options: WaitOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError = 'no attempt made';
  while (Date.now() < deadline) {
    const abort = options.abortIf?.();
    if (abort) throw new InfrastructureUnavailableError(`Kafka at ${brokers.join(',')} did not start: ${abort}.`);
    const admin = new Kafka({
      clientId: 'switchyard-infra-probe',
      brokers,
      logLevel: logLevel.NOTHING,
      connectionTimeout: 2_000,
      requestTimeout: 5_000,
      retry: { retries: 0 },
    }).admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length > 0 && cluster.controller !== null) return;
      lastError = 'the cluster has no controller yet';
    } catch (error) {
      lastError = (error as Error).message;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    await sleep(300);
  }
  throw new InfrastructureUnavailableError(
    `Kafka at ${brokers.join(',')} did not answer a metadata request within ${Math.round(options.timeoutMs / 1000)} s (last error: ${lastError}).`,
  );
}
