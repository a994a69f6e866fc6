export * from './lib/test-redis-server';
export * from './lib/fake-chat-completions.server';
export * from './lib/until';
