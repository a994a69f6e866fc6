module.exports = {
  displayName: 'chat-workflow',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/chat-workflow',
};
