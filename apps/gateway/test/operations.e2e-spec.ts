import { TestRedisServer } from '@agent-gateway/test-support';
import { startGateway, type RunningGateway } from './support/gateway-harness';
import { parsePrometheusText, sampleValue } from './support/prometheus-text';
import { EventRecorder, connectAs, request } from './support/socket-helpers';

async function ready(
  url: string,
): Promise<{ status: number; body: { status: string; error?: Record<string, unknown> } }> {
  const response = await fetch(`${url}/health/ready`);
  return { status: response.status, body: (await response.json()) as { status: string } };
}

/** Polls readiness until it answers `status` (the indicator may need one more Redis round trip). */
async function readyBecomes(url: string, status: number, withinMs = 5000): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const current = await ready(url);
    if (current.status === status) return;
    if (Date.now() > deadline)
      throw new Error(`ready stayed ${current.status}: ${JSON.stringify(current.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('readiness follows Redis', () => {
  let redis: TestRedisServer;
  let gateway: RunningGateway;

  beforeAll(async () => {
    redis = await TestRedisServer.start();
    gateway = await startGateway({ REDIS_URL: redis.url, REDIS_TIMEOUT_MS: '300' });
  });

  afterAll(async () => {
    redis.resume();
    await gateway.close();
    await redis.stop();
  });

  it('is 200 with every indicator up while Redis answers', async () => {
    await readyBecomes(gateway.url, 200);
    const { body } = await ready(gateway.url);
    expect(Object.keys((body as unknown as { details: object }).details).sort()).toEqual(
      ['circuits', 'dataDir', 'eventLoop', 'heap', 'redis', 'serializationWorkers'].sort(),
    );
  });

  it('turns 503 naming redis while Redis is paused, within its time limit, and 200 once it is back', async () => {
    redis.pause();
    const startedAt = Date.now();
    const paused = await ready(gateway.url);
    expect(Date.now() - startedAt).toBeLessThan(3000);
    expect(paused.status).toBe(503);
    expect(paused.body.error).toHaveProperty('redis.status', 'down');
    redis.resume();
    await readyBecomes(gateway.url, 200);
  });

  it('turns 503 when Redis is stopped', async () => {
    await redis.stop();
    await readyBecomes(gateway.url, 503);
  });
});

describe('/metrics', () => {
  let gateway: RunningGateway;

  beforeAll(async () => {
    gateway = await startGateway();
  });

  afterAll(() => gateway.close());

  async function scrape() {
    const response = await fetch(`${gateway.url}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    return parsePrometheusText(await response.text());
  }

  it('parses as Prometheus text and moves when a run happens', async () => {
    const before = await scrape();
    const socket = await connectAs(gateway.url, { userId: 'alice' });
    const recorder = new EventRecorder(socket);
    const reply = (await request(socket, 'chat:send', { text: 'what is 6*7' })) as unknown as {
      runId: string;
    };
    await recorder.untilRunEnds(reply.runId);
    await recorder.until(() => recorder.acknowledged === recorder.deliveries);
    await request(socket, 'thread:history', { threadId: 'bad id!' });
    socket.close();
    const after = await scrape();

    const moved = (name: string, labels: Record<string, string> = {}) =>
      sampleValue(after, name, labels) - sampleValue(before, name, labels);
    expect(moved('agent_gateway_requests_total', { request: 'chat:send', outcome: 'ok' })).toBe(1);
    expect(
      moved('agent_gateway_requests_total', {
        request: 'thread:history',
        outcome: 'invalid_request',
      }),
    ).toBe(1);
    expect(moved('agent_gateway_agent_runs_total', { agent: 'assistant' })).toBe(1);
    expect(moved('agent_gateway_events_confirmed_total')).toBeGreaterThanOrEqual(4);
    expect(moved('agent_gateway_event_confirmation_seconds_count')).toBeGreaterThan(0);
    // Present from the start; its value is NaN until the loop has been sampled, so only presence counts.
    expect(
      after.some((s) => s.name === 'agent_gateway_process_nodejs_eventloop_lag_p99_seconds'),
    ).toBe(true);
  });

  it('keeps label values bounded: no ids of users, threads, runs or connections', async () => {
    const samples = await scrape();
    const idLike = /^[0-9a-f]{8}-[0-9a-f]{4}-|^[A-Za-z0-9_-]{20}$/;
    const offending = samples.filter((s) =>
      Object.values(s.labels).some((v) => idLike.test(v) || v === 'alice'),
    );
    expect(offending).toEqual([]);
  });
});
