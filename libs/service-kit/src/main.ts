import { ConfigurationError } from './config';
import { ServiceDefinition, startService } from './start-service';

/**
 * The body of every service's main.ts: start, and on a configuration or start-up error print one clear
 * message and exit non-zero (no stack trace for a configuration mistake).
 */
export function runServiceMain(definition: ServiceDefinition): void {
  startService(definition).then(
    (service) => {
      process.stderr.write(`${definition.name} ready at ${service.url} (health: ${service.url}/health)\n`);
    },
    (error: unknown) => {
      const message = error instanceof ConfigurationError ? error.message : `${definition.name} failed to start: ${(error as Error).stack ?? String(error)}`;
      process.stderr.write(`${message}\n`);
      process.exit(1);
    },
  );
}
