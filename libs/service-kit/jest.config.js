module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'service-kit',
  rootDir: __dirname,
  globalSetup: '<rootDir>/../infra/src/testing/jest-global-setup.ts',
  globalTeardown: '<rootDir>/../infra/src/testing/jest-global-teardown.ts',
  testTimeout: 60_000,
};
