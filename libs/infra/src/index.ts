export { InfrastructureUnavailableError } from './errors';
export { stderrLog, silentLog, type Log } from './log';
export { freePort } from './ports';
export { cacheDir, workspaceRoot } from './workspace';
export {
  DEFAULT_KAFKA_VERSION,
  brokerProperties,
  checkJavaToolchain,
  ensureKafkaJars,
  startLocalBroker,
  type LocalBroker,
  type LocalBrokerOptions,
} from './kafka/local-broker';
export { KAFKA_IMAGE, dockerEngineAvailable, startContainerBroker } from './kafka/container-broker';
export { parseBrokers, provideKafka, type KafkaSource, type ProvidedKafka, type ProvideKafkaOptions } from './kafka/provide-kafka';
export { waitForKafka } from './kafka/wait-for-kafka';
export {
  DEFAULT_DATABASE_URL,
  START_POSTGRES_HINT,
  checkPostgres,
  createTestDatabase,
  databaseUrl,
  ensureDatabase,
  recreateDatabase,
  redactUrl,
  withDatabase,
  type TestDatabase,
} from './postgres';
export { provideTestInfrastructure, type TestInfrastructure } from './testing/test-infrastructure';
