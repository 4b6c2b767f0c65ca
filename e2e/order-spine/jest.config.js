module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'e2e-order-spine',
  rootDir: __dirname,
  globalSetup: '<rootDir>/../../libs/infra/src/testing/jest-global-setup.ts',
  globalTeardown: '<rootDir>/../../libs/infra/src/testing/jest-global-teardown.ts',
  // Whole orders through seven processes: each scenario waits for real dispatches.
  testTimeout: 180_000,
};
