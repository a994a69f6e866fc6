import { TestRedisServer, freePort, until } from '@agent-gateway/test-support';
import type { EventEnvelope } from '@agent-gateway/events';
import { RealtimeRedis } from '../redis/realtime-redis.service';
import { DEFAULT_REALTIME_OPTIONS } from '../realtime.options';
import { plainPayload } from '../wire/proven-plain';
import { RedisThreadEventBus } from './redis-thread-event-bus';

function thinking(seq: number, text: string): EventEnvelope {
  return {
    v: 1,
    threadId: 'bus-thread',
    runId: 'r1',
    seq,
    type: 'agent_thinking',
    ts: Date.now(),
    ...plainPayload({ text }),
  };
}

/** Publishes two events and a flush marker; what the bus delivered by the marker's return. */
async function deliveredThrough(bus: RedisThreadEventBus): Promise<EventEnvelope[]> {
  const received: EventEnvelope[] = [];
  const stop = bus.subscribe((envelope) => received.push(envelope));
  try {
    await bus.publish(thinking(1, 'first'));
    await bus.publish(thinking(2, 'second'));
    // Redis delivers in order: once the marker is back, both events have been dispatched.
    await bus.flush();
    return received;
  } finally {
    stop();
  }
}

describe('RedisThreadEventBus while Redis comes and goes', () => {
  let port: number;
  let redis: RealtimeRedis;
  const servers: TestRedisServer[] = [];

  beforeEach(async () => {
    port = await freePort();
    redis = new RealtimeRedis({
      ...DEFAULT_REALTIME_OPTIONS,
      redisUrl: `redis://127.0.0.1:${port}`,
      redisTimeoutMs: 2000,
    });
  });

  afterEach(async () => {
    await redis.onApplicationShutdown();
    await Promise.all(servers.splice(0).map((server) => server.stop()));
  });

  it('subscribes once Redis is up when the gateway started before it', async () => {
    const bus = new RedisThreadEventBus(redis);
    // Down for a few connection attempts.
    await new Promise((resolve) => setTimeout(resolve, 350));
    servers.push(await TestRedisServer.start(port));
    await bus.ready();
    const received = await deliveredThrough(bus);
    expect(received.map((envelope) => envelope.seq)).toEqual([1, 2]);
    expect(received[0]).toMatchObject({ type: 'agent_thinking', payload: { text: 'first' } });
  });

  it('tries a subscription again after a reconnect when Redis went away before confirming it', async () => {
    const first = await TestRedisServer.start(port);
    servers.push(first);
    await until(() => redis.subscriber.isReady);
    // The SUBSCRIBE goes out to a frozen Redis, which dies before it answers.
    first.pause();
    const bus = new RedisThreadEventBus(redis);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await first.stop();
    servers.push(await TestRedisServer.start(port));
    await bus.ready();
    const received = await deliveredThrough(bus);
    expect(received.map((envelope) => envelope.seq)).toEqual([1, 2]);
  });

  it('tells its loss listeners once it receives again after its connection was cut', async () => {
    servers.push(await TestRedisServer.start(port));
    const bus = new RedisThreadEventBus(redis);
    await bus.ready();
    let losses = 0;
    bus.subscribeLosses(() => (losses += 1));

    await redis.commands.sendCommand(['CLIENT', 'KILL', 'TYPE', 'pubsub']);

    await until(() => losses === 1);
    // Told only once it receives again: what is published now arrives.
    const received = await deliveredThrough(bus);
    expect(received.map((envelope) => envelope.seq)).toEqual([1, 2]);
    expect(losses).toBe(1);
  });
});
