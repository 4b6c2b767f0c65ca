module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'messaging',
  rootDir: __dirname,
  globalSetup: '<rootDir>/../infra/src/testing/jest-global-setup.ts',
  globalTeardown: '<rootDir>/../infra/src/testing/jest-global-teardown.ts',
  // Real Kafka and PostgreSQL: consumer-group joins and rebalances take seconds, not milliseconds.
  testTimeout: 60_000,
};
