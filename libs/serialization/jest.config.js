module.exports = {
  displayName: 'serialization',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/serialization',
};
