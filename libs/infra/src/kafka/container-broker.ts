import { existsSync } from 'node:fs';
import { Log, stderrLog } from '../log';
import { freePort } from '../ports';
import { waitForKafka } from './wait-for-kafka';

export const KAFKA_IMAGE = 'apache/kafka:3.9.1';

export interface ContainerBroker {
  readonly brokers: string[];
  readonly containerId: string;
  stop(): Promise<void>;
}

/**
 * Whether a Docker engine answers. Cheap checks first (socket or DOCKER_HOST), then Testcontainers' own
 * runtime detection, so a machine with only the docker client does not wait for a timeout.
 */
export async function dockerEngineAvailable(): Promise<boolean> {
  const socket = existsSync('/var/run/docker.sock') || existsSync(`${process.env['HOME'] ?? ''}/.docker/run/docker.sock`);
  if (!socket && !process.env['DOCKER_HOST'] && !process.env['TESTCONTAINERS_HOST_OVERRIDE']) return false;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    const client = await Promise.race([
      getContainerRuntimeClient(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 15_000).unref()),
    ]);
    return client !== undefined;
  } catch {
    return false;
  }
}

/**
 * The official Apache Kafka image in KRaft mode. The host port is chosen first and the container listens on
 * that same port, so the advertised listener is known before the container starts.
 */
export async function startContainerBroker(log: Log = stderrLog): Promise<ContainerBroker> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const port = await freePort();
  log(`starting ${KAFKA_IMAGE} with Testcontainers on 127.0.0.1:${port}`);
  const container = await new GenericContainer(KAFKA_IMAGE)
    .withExposedPorts({ container: port, host: port })
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: `PLAINTEXT://0.0.0.0:${port},CONTROLLER://127.0.0.1:9093`,
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${port}`,
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@127.0.0.1:9093',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS: '10',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_NUM_PARTITIONS: '3',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
      KAFKA_HEAP_OPTS: '-Xms128m -Xmx512m',
    })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .withStartupTimeout(180_000)
    .start();
  const brokers = [`127.0.0.1:${port}`];
  await waitForKafka(brokers, { timeoutMs: 60_000 });
  log(`Kafka ready on ${brokers[0]} (container ${container.getId().slice(0, 12)})`);
  return {
    brokers,
    containerId: container.getId(),
    stop: async () => {
      await container.stop();
    },
  };
}
