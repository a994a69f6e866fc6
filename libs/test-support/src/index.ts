export * from './lib/test-redis-server';
