module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'order-intake',
  rootDir: __dirname,
  globalSetup: '<rootDir>/../../libs/infra/src/testing/jest-global-setup.ts',
  globalTeardown: '<rootDir>/../../libs/infra/src/testing/jest-global-teardown.ts',
  // Real Kafka and PostgreSQL: consumer-group joins and rebalances take seconds, not milliseconds.
  testTimeout: 90_000,
};
