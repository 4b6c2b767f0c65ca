module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'random',
  rootDir: __dirname,
};
