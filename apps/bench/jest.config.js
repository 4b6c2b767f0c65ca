module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'bench',
  rootDir: __dirname,
  globalSetup: '<rootDir>/../../libs/infra/src/testing/jest-global-setup.ts',
  globalTeardown: '<rootDir>/../../libs/infra/src/testing/jest-global-teardown.ts',
};
