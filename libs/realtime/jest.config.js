module.exports = {
  displayName: 'realtime',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/realtime',
};
