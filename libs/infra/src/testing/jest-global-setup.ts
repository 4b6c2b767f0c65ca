import { provideTestInfrastructure, type TestInfrastructure } from './test-infrastructure';

declare global {
  // Set by the global setup of the Jest project that started the infrastructure; only that one stops it.
  var __switchyardInfrastructure: TestInfrastructure | undefined;
}

/** Jest globalSetup for projects whose tests need Kafka and PostgreSQL. Reuses KAFKA_BROKERS when set. */
export default async function globalSetup(): Promise<void> {
  if (globalThis.__switchyardInfrastructure) return;
  globalThis.__switchyardInfrastructure = await provideTestInfrastructure();
}
