module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'platform',
  rootDir: __dirname,
  globalSetup: '<rootDir>/../../libs/infra/src/testing/jest-global-setup.ts',
  // Whole platforms start in these tests (the embedded database alone takes seconds).
  testTimeout: 240_000,
  globalTeardown: '<rootDir>/../../libs/infra/src/testing/jest-global-teardown.ts',
};
