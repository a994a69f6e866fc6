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

  it('strips a trailing slash from the llm base URL', () => {
    expect(
      resolveEngineOptions({ llm: { baseUrl: 'http://h/v1/', model: 'm' } }).llm?.baseUrl,
    ).toBe('http://h/v1');
  });
});
