import { isTerminalEventType } from '@agent-gateway/events';
import type { AgentRunContext } from '../contracts/agent-definition';
import type { AgentEventDraft, AgentEventSink, RunHandle } from '../contracts/run.types';
import { createEngineFixture, type EngineFixture } from '../../test-support/engine-fixture';
import { lifecycleViolations } from '../../test-support/lifecycle-assertions';
import { forever, untilAborted } from '../../test-support/programmable-agent';

/** mulberry32: a seeded generator, so a failing seed can be replayed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Records every publish attempt, then sometimes delays or rejects it like a struggling store. */
class ChaoticSink implements AgentEventSink {
  readonly attempts: AgentEventDraft[] = [];
  constructor(private readonly random: () => number) {}

  async publish(event: AgentEventDraft): Promise<void> {
    this.attempts.push(event);
    if (this.random() < 0.2)
      await new Promise((resolve) => setTimeout(resolve, this.random() * 30));
    if (this.random() < 0.05) throw new Error('store hiccup');
  }
}

const RUNS = 300;
const SEED = Number(process.env['LIFECYCLE_SEED'] ?? 20261123);

describe('lifecycle promise under random agent behaviour', () => {
  let fx: EngineFixture;

  beforeEach(async () => {
    jest.useFakeTimers();
    fx = await createEngineFixture({
      agentTimeoutMs: 1_000,
      toolTimeoutMs: 200,
      maxConcurrentRuns: 8,
      maxRunsPerUser: 3,
      maxQueuedRuns: 10,
      queueWaitMs: 500,
      shutdownGraceMs: 300,
      retry: { attempts: 2, startingDelayMs: 5, maxDelayMs: 20 },
      breaker: { volumeThreshold: 5, errorThresholdPercentage: 30, resetTimeoutMs: 400 },
    });
  });

  afterEach(async () => {
    jest.useRealTimers();
    await fx.close();
  });

  it(`keeps exactly one agent_started first and one terminal event last over ${RUNS} runs (seed ${SEED})`, async () => {
    const random = seededRandom(SEED);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const sink = new ChaoticSink(random);

    const toolBehaviours = [
      () => Promise.resolve({ fine: true }),
      () => Promise.reject(new Error('tool broke')),
      () => forever(),
      () => sleep(random() * 300).then(() => 'slow'),
    ];
    fx.idempotentTool.behaviour = () => pick(toolBehaviours)();
    fx.sideEffectTool.behaviour = () => pick(toolBehaviours)();

    const agentBehaviours: ((context: AgentRunContext) => Promise<string>)[] = [
      async ({ emit }) => {
        for (let index = 0; index < 1 + random() * 5; index += 1) {
          if (random() < 0.5) await emit('agent_thinking', { text: `step ${index}` });
          else await emit('agent_progress', { delta: `step ${index}` });
          await sleep(random() * 100);
        }
        return 'answer';
      },
      async ({ emit }) => {
        await emit('agent_progress', { delta: 'partial' });
        await sleep(random() * 200);
        throw new Error('agent blew up');
      },
      () => forever(),
      ({ signal }) => untilAborted(signal),
      async ({ callTool, emit }) => {
        await callTool(pick(['idempotent_probe', 'side_effect_probe', 'nope']), {});
        await emit('agent_thinking', { text: 'between tools' });
        // Not awaited: two calls in flight at once.
        void callTool('side_effect_probe', {});
        await callTool('idempotent_probe', {});
        return 'used tools';
      },
      async ({ emit }) => {
        setTimeout(() => void emit('agent_thinking', { text: 'after the end' }), random() * 50);
        return 'returned early';
      },
      async ({ emit }) => {
        await sleep(random() * 1_500);
        await emit('agent_thinking', { text: 'maybe too late' });
        return 'slowpoke';
      },
    ];
    fx.agent.behaviour = (context) => pick(agentBehaviours)(context);

    const handles: RunHandle[] = [];
    for (let index = 0; index < RUNS; index += 1) {
      const userId = `user-${Math.floor(random() * 6)}`;
      handles.push(
        fx.engine.start(
          {
            runId: `rand-${index}`,
            threadId: `thread-${userId}`,
            userId,
            agent: 'programmable',
            input: 'go',
            history: [],
          },
          sink,
        ),
      );
      if (random() < 0.1) {
        const runId = `rand-${index}`;
        setTimeout(() => fx.engine.cancel(runId, userId), random() * 800);
      }
      await jest.advanceTimersByTimeAsync(Math.floor(random() * 40));
    }
    // Shut down with whatever is still in flight.
    const shutdown = fx.engine.shutdown();
    await jest.advanceTimersByTimeAsync(2_000);
    await shutdown;

    const outcomes = await Promise.all(handles.map((handle) => handle.done));
    const codes = new Set<string>();
    for (const [index, handle] of handles.entries()) {
      const events = sink.attempts.filter((event) => event.runId === handle.runId);
      expect({ runId: handle.runId, problems: lifecycleViolations(events) }).toEqual({
        runId: handle.runId,
        problems: [],
      });
      const terminal = events.at(-1);
      const outcome = outcomes[index];
      if (outcome.status === 'completed') {
        expect(terminal?.type).toBe('agent_completed');
      } else {
        expect(terminal?.type).toBe('agent_error');
        expect((terminal as AgentEventDraft<'agent_error'>).payload.code).toBe(outcome.code);
      }
      codes.add(outcome.status === 'completed' ? 'completed' : outcome.code);
      expect(events.filter((event) => isTerminalEventType(event.type))).toHaveLength(1);
    }
    expect(fx.engine.activeRunCount()).toBe(0);
    // The mix really exercised the paths it claims to.
    expect([...codes].sort()).toEqual(
      expect.arrayContaining(['cancelled', 'circuit_open', 'completed', 'failed', 'timeout']),
    );
  });
});
