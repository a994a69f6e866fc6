import { RequestError, isDeferredValue } from '@agent-gateway/events';
import type { AgentEventDraft } from '../../contracts/run.types';
import { AgentEngine } from '../../runner/agent-engine.service';
import { createEngineTestApp, type EngineTestApp } from '../../../test-support/engine-test-module';
import { lifecycleViolations } from '../../../test-support/lifecycle-assertions';
import { RecordingSink } from '../../../test-support/recording-sink';

describe('loadtest agent', () => {
  let app: EngineTestApp;
  let engine: AgentEngine;
  let sink: RecordingSink;
  let runs = 0;

  beforeEach(async () => {
    app = await createEngineTestApp({ enableLoadtestAgent: true, agentTimeoutMs: 1_000 });
    engine = app.moduleRef.get(AgentEngine);
    sink = new RecordingSink();
  });

  afterEach(async () => {
    jest.useRealTimers();
    jest.restoreAllMocks();
    await app.moduleRef.close();
  });

  function start(options: Record<string, unknown>) {
    runs += 1;
    return engine.start(
      {
        runId: `lt-${runs}`,
        threadId: 't',
        userId: 'u',
        agent: 'loadtest',
        input: 'go',
        history: [],
        options,
      },
      sink,
    );
  }

  it('sends `events` agent_thinking events of exactly payloadBytes characters, then the output', async () => {
    const handle = start({ events: 4, payloadBytes: 300, stateBytes: 5_000 });
    const outcome = await handle.done;

    const thinking = sink
      .forRun(handle.runId)
      .filter(
        (event): event is AgentEventDraft<'agent_thinking'> => event.type === 'agent_thinking',
      );
    expect(thinking).toHaveLength(4);
    expect(thinking.map((event) => event.payload.text.length)).toEqual([300, 300, 300, 300]);
    expect(thinking[0].payload.text.startsWith('event 1/4 ')).toBe(true);
    expect(outcome.status).toBe('completed');
    const output = sink.last(handle.runId, 'agent_completed')?.payload.output as Record<
      string,
      unknown
    >;
    expect(output['text']).toBe('loadtest sent 4 events');
    expect(isDeferredValue(output['state'])).toBe(true);
    expect(output['state']).toEqual({ $deferred: 'nested-state', args: { bytes: 5_000 } });
  });

  it('spaces the events intervalMs apart', async () => {
    jest.useFakeTimers();
    const handle = start({ events: 3, payloadBytes: 10, intervalMs: 100 });
    await jest.advanceTimersByTimeAsync(0);
    expect(sink.typesOf(handle.runId).filter((type) => type === 'agent_thinking')).toHaveLength(1);

    await jest.advanceTimersByTimeAsync(100);
    expect(sink.typesOf(handle.runId).filter((type) => type === 'agent_thinking')).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(100);
    await handle.done;
    expect(sink.typesOf(handle.runId).filter((type) => type === 'agent_thinking')).toHaveLength(3);
  });

  it('fails every run with failRate 1 and none with failRate 0', async () => {
    const failing = await start({ events: 4, failRate: 1 }).done;
    const passing = await start({ events: 4, failRate: 0 }).done;

    expect(failing).toMatchObject({ status: 'failed', code: 'failed' });
    expect(failing.status === 'failed' && failing.message).toContain('injected failure');
    expect(passing.status).toBe('completed');
  });

  it('fails about failRate of the runs', async () => {
    const draws = [0.1, 0.9, 0.2, 0.8];
    jest.spyOn(Math, 'random').mockImplementation(() => draws.shift() ?? 0.5);

    const outcomes = await Promise.all(
      [0, 1, 2, 3].map(() => start({ events: 1, failRate: 0.5 }).done),
    );

    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'failed',
      'completed',
      'failed',
      'completed',
    ]);
  });

  it('hangs hangMs before its first event, and a hang past the agent limit times out', async () => {
    jest.useFakeTimers();
    const handle = start({ events: 1, hangMs: 5_000 });
    await jest.advanceTimersByTimeAsync(999);
    expect(sink.typesOf(handle.runId)).toEqual(['agent_started']);

    await jest.advanceTimersByTimeAsync(1);

    await expect(handle.done).resolves.toMatchObject({ code: 'timeout' });
    expect(lifecycleViolations(sink.forRun(handle.runId))).toEqual([]);
  });

  it.each([
    [{ events: -1 }, 'events'],
    [{ payloadBytes: 'big' }, 'payloadBytes'],
    [{ failRate: 2 }, 'failRate'],
    [{ hangMs: 1.5 }, 'hangMs'],
    [{ evnets: 3 }, 'evnets'],
  ])('refuses options %j with invalid_request before emitting anything', (options, field) => {
    let thrown: unknown;
    try {
      start(options);
    } catch (error) {
      thrown = error;
    }

    expect(thrown).toBeInstanceOf(RequestError);
    expect(thrown).toMatchObject({ code: 'invalid_request' });
    expect((thrown as Error).message).toContain(field);
    expect(sink.events).toEqual([]);
  });

  it('is not registered unless enableLoadtestAgent is set', async () => {
    const plain = await createEngineTestApp({});
    try {
      expect(plain.moduleRef.get(AgentEngine).hasAgent('loadtest')).toBe(false);
      expect(engine.agentNames()).toEqual(['assistant', 'loadtest']);
    } finally {
      await plain.moduleRef.close();
    }
  });
});
