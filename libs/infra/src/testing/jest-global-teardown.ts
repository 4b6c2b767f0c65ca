/** Jest globalTeardown: stops what the matching global setup started (nothing, when it reused a broker). */
export default async function globalTeardown(): Promise<void> {
  const infrastructure = globalThis.__switchyardInfrastructure;
  globalThis.__switchyardInfrastructure = undefined;
  await infrastructure?.stop();
}
