import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { resolveChatWorkflowOptions } from '../chat-workflow.options';
import { ChatWorkflowMetrics } from '../metrics/chat-workflow.metrics';
import { RedisBreaker } from '../redis/redis-breaker.service';
import { RedisConnection } from '../redis/redis-connection';
import type { ClaimStore } from './claim.store';
import { InMemoryClaimStore } from './in-memory-claim.store';
import { RedisClaimStore } from './redis-claim.store';

const REDIS_URL = 'redis://127.0.0.1:6379';

interface Subject {
  /** Two stores that must agree: one process twice in memory, two processes on one Redis. */
  first: ClaimStore;
  second: ClaimStore;
  close(): Promise<void>;
}

async function inMemory(): Promise<Subject> {
  const store = new InMemoryClaimStore();
  return { first: store, second: store, close: async () => undefined };
}

async function onRedis(): Promise<Subject> {
  const prefix = `chat-workflow-claims-${randomUUID()}`;
  const options = resolveChatWorkflowOptions({ dataDir: '/unused', redisTimeoutMs: 1000 });
  const connections = [
    new RedisConnection(REDIS_URL, 1000, prefix),
    new RedisConnection(REDIS_URL, 1000, prefix),
  ];
  const breakers = connections.map(
    () => new RedisBreaker(options, new ChatWorkflowMetrics(new Registry())),
  );
  for (const connection of connections) await connection.onModuleInit();
  const [firstConnection, secondConnection] = connections as [RedisConnection, RedisConnection];
  const [firstBreaker, secondBreaker] = breakers as [RedisBreaker, RedisBreaker];
  return {
    first: new RedisClaimStore(firstConnection, firstBreaker),
    second: new RedisClaimStore(secondConnection, secondBreaker),
    async close() {
      for await (const keys of firstConnection.client.scanIterator({ MATCH: `${prefix}:*` })) {
        if (keys.length > 0) await firstConnection.client.del(keys);
      }
      for (const breaker of breakers) breaker.onModuleDestroy();
      for (const connection of connections) await connection.onApplicationShutdown();
    },
  };
}

describe.each([
  ['in process', inMemory],
  ['in Redis, shared by two processes', onRedis],
])('claim store %s', (_name, make) => {
  let subject: Subject;

  beforeEach(async () => {
    subject = await make();
  });

  afterEach(async () => {
    await subject.close();
  });

  it('lets exactly one of many concurrent claimers win, and tells the others its value', async () => {
    const claims = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        (index % 2 === 0 ? subject.first : subject.second).claim(
          'send:c1',
          `attempt-${index}`,
          60_000,
        ),
      ),
    );
    const winners = claims.filter((claim) => claim.won);
    expect(winners).toHaveLength(1);
    for (const claim of claims) expect(claim.value).toBe(winners[0]?.value);
  });

  it('forgets a released claim, so the next claimer wins', async () => {
    await subject.first.claim('send:c2', 'first', 60_000);
    await subject.second.release('send:c2');
    await expect(subject.first.claim('send:c2', 'second', 60_000)).resolves.toEqual({
      won: true,
      value: 'second',
    });
  });

  it('lets a claim expire after its time to live', async () => {
    await subject.first.claim('send:c3', 'first', 30);
    await new Promise((resolve) => setTimeout(resolve, 80));
    await expect(subject.second.claim('send:c3', 'second', 60_000)).resolves.toEqual({
      won: true,
      value: 'second',
    });
  });
});

describe('InMemoryClaimStore', () => {
  it('drops its oldest claims beyond its size bound', async () => {
    const store = new InMemoryClaimStore(3);
    for (const key of ['a', 'b', 'c', 'd']) await store.claim(key, key, 60_000);
    expect(store.size).toBe(3);
    expect(store.peek('a')).toBeUndefined();
    expect(store.peek('d')).toBe('d');
  });
});
