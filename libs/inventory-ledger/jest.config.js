module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'inventory-ledger',
  rootDir: __dirname,
};
