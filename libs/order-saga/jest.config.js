module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'order-saga',
  rootDir: __dirname,
};
