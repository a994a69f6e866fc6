import { TestRedisServer } from '@agent-gateway/test-support';
import { RedisConnection } from './redis-connection';

describe('RedisConnection', () => {
  it('leaves no connection open when shut down with a command in flight that is never answered', async () => {
    const server = await TestRedisServer.start();
    const connection = new RedisConnection(server.url, 200, 'test');
    try {
      await connection.onModuleInit();
      // Blocks until the list has an element: no reply, as from a hung Redis.
      const pending = connection.client.blPop('test:never', 0).catch((error: unknown) => error);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await connection.onApplicationShutdown();
      await expect(pending).resolves.toBeInstanceOf(Error);
      expect(await server.otherConnections()).toBe(0);
    } finally {
      await server.stop();
    }
  });
});
