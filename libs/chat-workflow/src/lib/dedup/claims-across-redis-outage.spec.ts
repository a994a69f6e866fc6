import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { TestRedisServer } from '@agent-gateway/test-support';
import { resolveChatWorkflowOptions } from '../chat-workflow.options';
import { ChatWorkflowMetrics } from '../metrics/chat-workflow.metrics';
import { RedisBreaker } from '../redis/redis-breaker.service';
import { REDIS_CONNECTION, RedisConnection } from '../redis/redis-connection';
import { makeTempDir, removeTempDir } from '../../test-support/temp-dir';
import { startWorkflowApp, type WorkflowTestApp } from '../../test-support/workflow-test-app';
import { RedisClaimStore } from './redis-claim.store';

const REDIS_TIMEOUT_MS = 200;
const BREAKER_RESET_MS = 300;
const TTL_MS = 60_000;

/** Once Redis is resumed: the breaker's reset passes, then one trial call closes it. */
async function untilRedisAnswers(breaker: RedisBreaker, connection: RedisConnection) {
  const deadline = Date.now() + 10 * BREAKER_RESET_MS + 2000;
  for (;;) {
    const attempt = await breaker.attempt('probe', 'test probe', () => connection.client.ping());
    if (attempt.ok) return;
    if (Date.now() > deadline) throw new Error('Redis was not used again after it came back');
    await new Promise((resolve) => setTimeout(resolve, BREAKER_RESET_MS / 3));
  }
}

describe('Redis claims across an outage (a private redis-server paused with SIGSTOP)', () => {
  let redis: TestRedisServer;

  beforeEach(async () => {
    redis = await TestRedisServer.start();
  });

  afterEach(async () => {
    redis.resume();
    await redis.stop();
  });

  describe('two gateways, each with its own claim store', () => {
    const connections: RedisConnection[] = [];
    const breakers: RedisBreaker[] = [];

    afterEach(async () => {
      for (const breaker of breakers.splice(0)) breaker.onModuleDestroy();
      for (const connection of connections.splice(0)) await connection.onApplicationShutdown();
    });

    async function gateway() {
      const options = resolveChatWorkflowOptions({
        dataDir: '/unused',
        redisTimeoutMs: REDIS_TIMEOUT_MS,
        redisBreakerResetMs: BREAKER_RESET_MS,
      });
      const connection = new RedisConnection(redis.url, REDIS_TIMEOUT_MS, 'claims-outage');
      await connection.onModuleInit();
      const breaker = new RedisBreaker(options, new ChatWorkflowMetrics(new Registry()));
      connections.push(connection);
      breakers.push(breaker);
      return { store: new RedisClaimStore(connection, breaker), breaker, connection };
    }

    it('answers a claim it won or read through Redis from memory while Redis hangs', async () => {
      const first = await gateway();
      const second = await gateway();
      await first.store.claim('send:won', 'first-attempt', TTL_MS);
      await expect(second.store.claim('send:won', 'second-attempt', TTL_MS)).resolves.toEqual({
        won: false,
        value: 'first-attempt',
      });

      redis.pause();

      await expect(first.store.claim('send:won', 'retry-1', TTL_MS)).resolves.toEqual({
        won: false,
        value: 'first-attempt',
      });
      await expect(second.store.claim('send:won', 'retry-2', TTL_MS)).resolves.toEqual({
        won: false,
        value: 'first-attempt',
      });
      expect(first.breaker.isOpen).toBe(true);
    });

    it('prefers the value Redis holds over a claim made in process during the outage', async () => {
      const first = await gateway();
      const second = await gateway();
      await first.store.claim('send:both', 'in-redis', TTL_MS);

      redis.pause();
      // This gateway never saw the key: it can only claim it in process.
      await expect(second.store.claim('send:both', 'during-outage', TTL_MS)).resolves.toEqual({
        won: true,
        value: 'during-outage',
      });
      redis.resume();
      await untilRedisAnswers(second.breaker, second.connection);

      await expect(second.store.claim('send:both', 'after', TTL_MS)).resolves.toEqual({
        won: false,
        value: 'in-redis',
      });
    });

    it('shares a claim made in process during the outage once Redis is back, if Redis holds none', async () => {
      const first = await gateway();
      const second = await gateway();

      redis.pause();
      await expect(second.store.claim('send:outage', 'during-outage', TTL_MS)).resolves.toEqual({
        won: true,
        value: 'during-outage',
      });
      redis.resume();
      await untilRedisAnswers(second.breaker, second.connection);

      await expect(second.store.claim('send:outage', 'after', TTL_MS)).resolves.toEqual({
        won: false,
        value: 'during-outage',
      });
      await expect(first.store.claim('send:outage', 'elsewhere', TTL_MS)).resolves.toEqual({
        won: false,
        value: 'during-outage',
      });
    });
  });

  describe('the chat workflow', () => {
    let dataDir: string;
    let app: WorkflowTestApp;

    beforeEach(async () => {
      dataDir = await makeTempDir('claims-outage');
      app = await startWorkflowApp({
        dataDir,
        redisUrl: redis.url,
        redisTimeoutMs: REDIS_TIMEOUT_MS,
        redisBreakerResetMs: BREAKER_RESET_MS,
      });
    });

    afterEach(async () => {
      redis.resume();
      await app.close();
      await removeTempDir(dataDir);
    });

    it('answers a re-sent thread-creating chat:send with its first ids during and after the outage: one thread, one run', async () => {
      const alice = app.connect('alice');
      const send = { text: 'what is 1+1', clientMessageId: 'k1' };
      const first = await app.service.send(alice, send);
      await app.settle();

      redis.pause();
      const duringOutage = await app.service.send(alice, send);
      const onThread = { threadId: first.threadId, text: 'what is 2+2', clientMessageId: 'k2' };
      const secondDuringOutage = await app.service.send(alice, onThread);
      await app.settle();
      redis.resume();
      await untilRedisAnswers(
        app.app.get(RedisBreaker, { strict: false }),
        app.app.get<RedisConnection>(REDIS_CONNECTION, { strict: false }),
      );
      const afterOutage = await app.service.send(alice, send);
      await expect(app.service.send(alice, onThread)).resolves.toEqual(secondDuringOutage);
      await app.settle();

      expect(duringOutage).toEqual(first);
      expect(afterOutage).toEqual(first);
      expect(await readdir(join(dataDir, 'threads'))).toEqual([`${first.threadId}.jsonl`]);
      expect(app.sink.started().map((event) => event.runId)).toEqual([
        first.runId,
        secondDuringOutage.runId,
      ]);
      const history = await app.service.history(alice, { threadId: first.threadId });
      expect(
        history.messages.filter((message) => message.role === 'user').map((m) => m.text),
      ).toEqual(['what is 1+1', 'what is 2+2']);
    });
  });
});
