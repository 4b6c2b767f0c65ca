import { ConfigurationError } from './config';
import { RunningService, ServiceDefinition, startService } from './start-service';

export interface RunServiceMainOptions {
  /** Longest a SIGTERM/SIGINT may take to drain before the process exits anyway (non-zero). */
  readonly drainTimeoutMs?: number;
}

/**
 * The body of every service's main.ts: start, print where it listens, and on SIGTERM or SIGINT drain
 * (consumers finish and commit, the relay finishes its batch, HTTP closes) and exit 0. A configuration or
 * start-up error prints one clear message and exits 1 (no stack trace for a configuration mistake).
 */
export function runServiceMain(definition: ServiceDefinition, options: RunServiceMainOptions = {}): void {
  startService(definition).then(
    (service) => {
      process.stderr.write(`${definition.name} ready at ${service.url} (health: ${service.url}/health)\n`);
      const stop = (signal: NodeJS.Signals): void => void shutDown(service, signal, options.drainTimeoutMs ?? 30_000);
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    },
    (error: unknown) => {
      const message = error instanceof ConfigurationError ? error.message : `${definition.name} failed to start: ${(error as Error).stack ?? String(error)}`;
      process.stderr.write(`${message}\n`);
      process.exit(1);
    },
  );
}

async function shutDown(service: RunningService, signal: NodeJS.Signals, drainTimeoutMs: number): Promise<void> {
  service.logger.info('draining', { signal });
  const deadline = setTimeout(() => {
    service.logger.error('drain did not finish in time; exiting anyway', { drainTimeoutMs });
    process.exit(1);
  }, drainTimeoutMs);
  deadline.unref();
  try {
    await service.close();
    process.exit(0);
  } catch (error) {
    service.logger.error('shutdown failed', { error: (error as Error).message });
    process.exit(1);
  }
}
