import { TestRedisServer, freePort } from '@agent-gateway/test-support';
import { DEFAULT_REALTIME_OPTIONS } from '../realtime.options';
import { RealtimeRedis } from './realtime-redis.service';

describe('RealtimeRedis', () => {
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
});
