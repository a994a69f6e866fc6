module.exports = {
  displayName: 'agent-engine',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/agent-engine',
};
