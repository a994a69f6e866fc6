import { DEFAULT_ENGINE_OPTIONS, resolveEngineOptions } from './engine-options';

describe('engine options', () => {
  it('defaults to the documented limits', () => {
    const resolved = resolveEngineOptions({});

    expect(resolved).toEqual(DEFAULT_ENGINE_OPTIONS);
    expect(resolved).toMatchObject({
      agentTimeoutMs: 30_000,
      toolTimeoutMs: 10_000,
      maxConcurrentRuns: 100,
      maxRunsPerUser: 5,
      shutdownGraceMs: 10_000,
    });
  });

  it('refuses nonsense at start-up, naming the option', () => {
    expect(() => resolveEngineOptions({ agentTimeoutMs: 0 })).toThrow('agentTimeoutMs');
    expect(() => resolveEngineOptions({ breaker: { errorThresholdPercentage: 150 } })).toThrow(
      'errorThresholdPercentage',
    );
    expect(() => resolveEngineOptions({ llm: { baseUrl: 'ftp://x', model: 'm' } })).toThrow(
      'llm.baseUrl',
    );
  });

  it.each([
    [{ agentTimeoutMs: 2_147_483_648 }, 'agentTimeoutMs'],
    [{ toolTimeoutMs: 2_147_483_648 }, 'toolTimeoutMs'],
    [{ queueWaitMs: 2_147_483_648 }, 'queueWaitMs'],
    [{ shutdownGraceMs: 2_147_483_648 }, 'shutdownGraceMs'],
    [{ breaker: { resetTimeoutMs: 2_147_483_648 } }, 'breaker.resetTimeoutMs'],
    [{ breaker: { rollingCountTimeoutMs: 2_147_483_648 } }, 'breaker.rollingCountTimeoutMs'],
    [{ retry: { startingDelayMs: 2_147_483_648 } }, 'retry.startingDelayMs'],
    [{ retry: { maxDelayMs: 2_147_483_648 } }, 'retry.maxDelayMs'],
  ])(
    'refuses a duration a timer cannot wait (over 2147483647 ms fires after 1 ms): %j',
    (options, name) => {
      expect(() => resolveEngineOptions(options)).toThrow(
        `agent-engine option ${name} must be a duration in ms`,
      );
      expect(() => resolveEngineOptions(options)).toThrow('to 2147483647');
    },
  );

  it('takes the longest duration a timer can wait, and zero where zero means "no wait"', () => {
    expect(resolveEngineOptions({ agentTimeoutMs: 2_147_483_647 }).agentTimeoutMs).toBe(
      2_147_483_647,
    );
    expect(resolveEngineOptions({ shutdownGraceMs: 0, queueWaitMs: 0 })).toMatchObject({
      shutdownGraceMs: 0,
      queueWaitMs: 0,
    });
    expect(() => resolveEngineOptions({ toolTimeoutMs: 0 })).toThrow('toolTimeoutMs');
  });

  it('strips a trailing slash from the llm base URL', () => {
    expect(
      resolveEngineOptions({ llm: { baseUrl: 'http://h/v1/', model: 'm' } }).llm?.baseUrl,
    ).toBe('http://h/v1');
  });
});
