import { resolveChatWorkflowOptions } from './chat-workflow.options';

describe('chat workflow options', () => {
  it.each([
    'redisTimeoutMs',
    'redisBreakerResetMs',
    'fileTimeoutMs',
    'historyCacheTtlMs',
    'dedupTtlMs',
  ])(
    'refuses %s over 2147483647 ms, which a timer would fire after 1 ms, and takes that one',
    (key) => {
      expect(() => resolveChatWorkflowOptions({ dataDir: '/d', [key]: 2_147_483_648 })).toThrow(
        `ChatWorkflowModule: ${key} must be a whole number of ms from 1 to 2147483647, got 2147483648`,
      );
      expect(resolveChatWorkflowOptions({ dataDir: '/d', [key]: 2_147_483_647 })).toMatchObject({
        [key]: 2_147_483_647,
      });
    },
  );

  it('still refuses sizes that are not positive integers', () => {
    expect(() => resolveChatWorkflowOptions({ dataDir: '/d', maxMessageChars: 0 })).toThrow(
      'maxMessageChars must be a positive integer',
    );
  });
});
