import { TestRedisServer, freePort, until } from '@agent-gateway/test-support';
import { DEFAULT_REALTIME_OPTIONS } from '../realtime.options';
import { RealtimeRedis } from './realtime-redis.service';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('RealtimeRedis', () => {
  it('opens its two connections from one client class, both answering Buffers', async () => {
    const redis = new RealtimeRedis({ ...DEFAULT_REALTIME_OPTIONS, redisUrl: REDIS_URL });
    try {
      // A second client class would mean node-redis built its command table twice.
      expect(Object.getPrototypeOf(redis.subscriber).constructor).toBe(
        Object.getPrototypeOf(redis.commands).constructor,
      );
      const key = `agent-gateway:test:${process.pid}:${Date.now()}`;
      await redis.bounded('set', (client) => client.set(key, 'value', { PX: 10_000 }));
      await expect(redis.bounded('get', (client) => client.get(key))).resolves.toEqual(
        Buffer.from('value'),
      );
      await until(() => redis.subscriber.isReady);
      // Two connections: a subscribed one could not also run commands.
      const [commandsId, subscriberId] = await Promise.all([
        redis.commands.clientId(),
        redis.subscriber.clientId(),
      ]);
      expect(subscriberId).not.toBe(commandsId);
    } finally {
      await redis.onApplicationShutdown();
    }
  });

  it('fails commands at once while Redis is down, and tells when the subscriber is up', async () => {
    const port = await freePort();
    const redis = new RealtimeRedis({
      ...DEFAULT_REALTIME_OPTIONS,
      redisUrl: `redis://127.0.0.1:${port}`,
      redisTimeoutMs: 2000,
    });
    let server: TestRedisServer | undefined;
    try {
      await expect(redis.commands.get('agent-gateway:probe')).rejects.toThrow(/offline/i);
      let up = false;
      const subscriberUp = redis.whenSubscriberReady().then(() => {
        up = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 350));
      expect(up).toBe(false);

      server = await TestRedisServer.start(port);
      await subscriberUp;
      expect(redis.subscriber.isReady).toBe(true);
      await expect(redis.whenSubscriberReady()).resolves.toBeUndefined();
    } finally {
      await redis.onApplicationShutdown();
      await server?.stop();
    }
  });

  it('leaves no connection open when shut down while its connections are still being made', async () => {
    const server = await TestRedisServer.start();
    try {
      const redis = new RealtimeRedis({ ...DEFAULT_REALTIME_OPTIONS, redisUrl: server.url });
      await redis.onApplicationShutdown();
      // Long enough for an attempt that outlived the shutdown to have connected.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(redis.commands.isReady || redis.subscriber.isReady).toBe(false);
      expect(await server.otherConnections()).toBe(0);
    } finally {
      await server.stop();
    }
  });

  it('leaves no connection open when shut down with a command in flight that is never answered', async () => {
    const server = await TestRedisServer.start();
    const redis = new RealtimeRedis({
      ...DEFAULT_REALTIME_OPTIONS,
      redisUrl: server.url,
      redisTimeoutMs: 200,
    });
    try {
      await redis.whenSubscriberReady();
      // Blocks until the list has an element: no reply, as from a hung Redis, that stays
      // unanswered after the shutdown too.
      const pending = redis.commands
        .blPop('agent-gateway:test:never', 0)
        .catch((error: Error) => error);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await redis.onApplicationShutdown();
      await expect(pending).resolves.toBeInstanceOf(Error);
      expect(await server.otherConnections()).toBe(0);
    } finally {
      await server.stop();
    }
  });
});
