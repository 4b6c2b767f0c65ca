import { InfrastructureUnavailableError } from '../errors';
import { Log, stderrLog } from '../log';
import { dockerEngineAvailable, startContainerBroker } from './container-broker';
import { startLocalBroker } from './local-broker';
import { waitForKafka } from './wait-for-kafka';

export type KafkaSource = 'external' | 'container' | 'local-jars';

export interface ProvidedKafka {
  readonly brokers: string[];
  readonly source: KafkaSource;
  /** Process id of a locally started broker (for `infra:down`). */
  readonly pid?: number;
  readonly runDir?: string;
  readonly logFile?: string;
  readonly containerId?: string;
  /** Stops what this call started; a no-op for an external broker. */
  stop(): Promise<void>;
}

export interface ProvideKafkaOptions {
  readonly log?: Log;
  /** Keep a locally started broker running after this process exits (for `infra:up`). */
  readonly detached?: boolean;
  readonly env?: NodeJS.ProcessEnv;
}

export function parseBrokers(value: string): string[] {
  const brokers = value.split(',').map((b) => b.trim()).filter((b) => b.length > 0);
  const bad = brokers.find((b) => !/^[^\s:]+:\d{1,5}$/.test(b));
  if (brokers.length === 0 || bad !== undefined) {
    throw new InfrastructureUnavailableError(
      `KAFKA_BROKERS must be a comma-separated list of host:port (e.g. "127.0.0.1:9092"); got "${value}"${bad ? ` (bad entry "${bad}")` : ''}.`,
    );
  }
  return brokers;
}

/**
 * Kafka for tests, benchmarks and people, in this order: KAFKA_BROKERS when set; Testcontainers where a
 * Docker engine answers; otherwise a single-node broker started from its Maven Central jars.
 * SWITCHYARD_KAFKA=external|container|local-jars forces one.
 */
export async function provideKafka(options: ProvideKafkaOptions = {}): Promise<ProvidedKafka> {
  const env = options.env ?? process.env;
  const log = options.log ?? stderrLog;
  const forced = env['SWITCHYARD_KAFKA'];
  if (forced !== undefined && !['external', 'container', 'local-jars'].includes(forced)) {
    throw new InfrastructureUnavailableError(`SWITCHYARD_KAFKA must be one of external, container, local-jars; got "${forced}".`);
  }
  const configured = env['KAFKA_BROKERS'];
  if (forced === 'external' || (forced === undefined && configured)) {
    if (!configured) throw new InfrastructureUnavailableError('SWITCHYARD_KAFKA=external needs KAFKA_BROKERS to be set.');
    const brokers = parseBrokers(configured);
    await waitForKafka(brokers, { timeoutMs: 30_000 });
    return { brokers, source: 'external', stop: async () => undefined };
  }
  if (forced === 'container' || (forced === undefined && (await dockerEngineAvailable()))) {
    const broker = await startContainerBroker(log);
    return { brokers: broker.brokers, source: 'container', containerId: broker.containerId, stop: broker.stop };
  }
  const broker = await startLocalBroker({ log, detached: options.detached });
  return {
    brokers: broker.brokers,
    source: 'local-jars',
    pid: broker.pid,
    runDir: broker.runDir,
    logFile: broker.logFile,
    stop: broker.stop,
  };
}
