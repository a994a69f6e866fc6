import { makeTempDir, removeTempDir } from '../../test-support/temp-dir';
import { TestRedisServer, freePort } from '@agent-gateway/test-support';
import { startWorkflowApp, type WorkflowTestApp } from '../../test-support/workflow-test-app';
import { HistoryCache } from './history.cache';

const REDIS_TIMEOUT_MS = 200;
const BREAKER_RESET_MS = 300;
/** What a request may take beyond the Redis limit: file reads, the engine, a loaded CI box. */
const SLACK_MS = 700;

describe('chat workflow with a Redis that hangs (SIGSTOP) and comes back (SIGCONT)', () => {
  let redis: TestRedisServer;
  let dataDir: string;
  let app: WorkflowTestApp;
  let cache: HistoryCache;

  beforeAll(async () => {
    redis = await TestRedisServer.start();
    dataDir = await makeTempDir('hung-redis');
    app = await startWorkflowApp({
      dataDir,
      redisUrl: redis.url,
      redisTimeoutMs: REDIS_TIMEOUT_MS,
      redisBreakerResetMs: BREAKER_RESET_MS,
    });
    cache = app.app.get(HistoryCache);
  });

  afterAll(async () => {
    redis.resume();
    await app?.close();
    await redis?.stop();
    await removeTempDir(dataDir);
  });

  const hits = () => app.metric('agent_gateway_history_cache_hits_total');

  async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
    const started = Date.now();
    const value = await work;
    return { value, ms: Date.now() - started };
  }

  it('answers from the transcript within the Redis limit while Redis hangs, then uses the cache again', async () => {
    const alice = app.connect('alice');
    const { threadId } = await app.service.send(alice, { text: 'what is 2+3*4' });
    await app.settle();
    await app.service.history(alice, { threadId }); // fills the cache
    await app.settle();
    const warmHits = await hits();
    const expected = (await app.service.history(alice, { threadId })).messages;
    expect(await hits()).toBe(warmHits + 1);
    expect(expected).toHaveLength(2);
    await expect(cache.ping()).resolves.toBeUndefined();

    redis.pause();
    const hitsWhileHung = await hits();
    // One call that waits out the limit opens the breaker: the rest of this request skips Redis.
    const firstHung = await timed(app.service.history(alice, { threadId }));
    expect(firstHung.ms).toBeLessThan(REDIS_TIMEOUT_MS + SLACK_MS);
    expect(cache.breakerOpen).toBe(true);
    // A new thread whose de-duplication claim can only be kept in process for now.
    const newThread = { text: 'new thread while hung', clientMessageId: 'hung-new-thread' };
    const createdWhileHung = await app.service.send(alice, newThread);
    const sent = expected
      .filter((message) => message.role === 'user')
      .map((message) => message.text);
    for (let request = 0; request < 5; request += 1) {
      const history = await timed(app.service.history(alice, { threadId }));
      expect(history.ms).toBeLessThan(REDIS_TIMEOUT_MS + SLACK_MS);
      const texts = history.value.messages.map((message) => message.text);
      expect(texts).toEqual(expect.arrayContaining(sent));
      const text = `while hung ${request}`;
      const send = await timed(
        app.service.send(alice, { threadId, text, clientMessageId: `hung-${request}` }),
      );
      expect(send.ms).toBeLessThan(REDIS_TIMEOUT_MS + SLACK_MS);
      sent.push(text);
    }
    expect(await hits()).toBe(hitsWhileHung);
    expect(cache.breakerOpen).toBe(true);
    expect(
      await app.metric('agent_gateway_redis_fallbacks_total', { reason: 'timeout' }),
    ).toBeGreaterThan(0);
    expect(
      await app.metric('agent_gateway_redis_fallbacks_total', { reason: 'breaker_open' }),
    ).toBeGreaterThan(0);
    const ping = await timed(
      cache.ping().then(
        () => 'answered',
        () => 'rejected',
      ),
    );
    expect(ping.value).toBe('rejected');
    expect(ping.ms).toBeLessThan(REDIS_TIMEOUT_MS + SLACK_MS);

    redis.resume();
    await app.settle();
    const deadline = Date.now() + 10 * BREAKER_RESET_MS + 2000;
    const hitsBefore = await hits();
    let last: string[] = [];
    while ((await hits()) <= hitsBefore) {
      if (Date.now() > deadline)
        throw new Error('the cache was not used again after Redis came back');
      await new Promise((resolve) => setTimeout(resolve, BREAKER_RESET_MS / 3));
      last = (await app.service.history(alice, { threadId })).messages.map(
        (message) => message.text,
      );
      await app.settle();
    }
    expect(cache.breakerOpen).toBe(false);
    await expect(app.service.send(alice, newThread)).resolves.toEqual(createdWhileHung);
    expect(last).toEqual(expect.arrayContaining(['what is 2+3*4', 'while hung 0', 'while hung 4']));
    const texts = (await app.service.history(alice, { threadId })).messages.map(
      (message) => message.text,
    );
    expect(texts.filter((text) => text.startsWith('while hung'))).toHaveLength(5);
  });

  it('keeps answering without waiting when Redis is gone altogether', async () => {
    const alice = app.connect('alice');
    const { threadId } = await app.service.send(alice, { text: 'before the end' });
    await redis.stop();
    for (let request = 0; request < 3; request += 1) {
      const send = await timed(
        app.service.send(alice, { threadId, text: `after the end ${request}` }),
      );
      expect(send.ms).toBeLessThan(REDIS_TIMEOUT_MS + SLACK_MS);
      const history = await timed(app.service.history(alice, { threadId }));
      expect(history.ms).toBeLessThan(REDIS_TIMEOUT_MS + SLACK_MS);
      expect(history.value.messages.map((message) => message.text)).toContain(
        `after the end ${request}`,
      );
    }
    await expect(cache.ping()).rejects.toThrow();
  });
});

describe('chat workflow started while Redis is unreachable', () => {
  it('starts within the Redis limit and serves chats from files', async () => {
    const dataDir = await makeTempDir('no-redis');
    const started = Date.now();
    const app = await startWorkflowApp({
      dataDir,
      redisUrl: `redis://127.0.0.1:${await freePort()}`,
      redisTimeoutMs: REDIS_TIMEOUT_MS,
    });
    try {
      expect(Date.now() - started).toBeLessThan(REDIS_TIMEOUT_MS + 2000);
      const alice = app.connect('alice');
      const { threadId } = await app.service.send(alice, { text: 'hello', clientMessageId: 'c1' });
      await expect(
        app.service.send(alice, { text: 'hello', clientMessageId: 'c1' }),
      ).resolves.toMatchObject({
        threadId,
      });
      const history = await app.service.history(alice, { threadId });
      expect(history.messages[0]?.text).toBe('hello');
      await expect(app.app.get(HistoryCache).ping()).rejects.toThrow();
    } finally {
      await app.close();
      await removeTempDir(dataDir);
    }
  });
});
