import { provideKafka, type KafkaSource } from '../kafka/provide-kafka';
import { Log, stderrLog } from '../log';
import { checkPostgres, databaseUrl, redactUrl } from '../postgres';

export interface TestInfrastructure {
  readonly brokers: string[];
  readonly databaseUrl: string;
  readonly kafkaSource: KafkaSource;
  stop(): Promise<void>;
}

/**
 * Real Kafka and PostgreSQL for a test run. PostgreSQL is checked first (cheap, and its error says how to
 * start it); then Kafka is provided. KAFKA_BROKERS and DATABASE_URL are exported so test workers and
 * child processes started afterwards use the same ones.
 */
export async function provideTestInfrastructure(log: Log = stderrLog): Promise<TestInfrastructure> {
  const url = databaseUrl();
  const version = await checkPostgres(url);
  log(`PostgreSQL ${version} at ${redactUrl(url)}`);
  const kafka = await provideKafka({ log });
  process.env['KAFKA_BROKERS'] = kafka.brokers.join(',');
  process.env['DATABASE_URL'] = url;
  return { brokers: kafka.brokers, databaseUrl: url, kafkaSource: kafka.source, stop: kafka.stop };
}
