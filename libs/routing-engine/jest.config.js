module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'routing-engine',
  rootDir: __dirname,
};
