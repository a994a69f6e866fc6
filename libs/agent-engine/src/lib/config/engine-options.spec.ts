import { agentEngineOptionsFromEnv, DEFAULT_LLM_MODEL } from './engine-options-from-env';
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

  it('reads the environment variables of the contract', () => {
    expect(
      agentEngineOptionsFromEnv({
        AGENT_TIMEOUT_MS: '1000',
        TOOL_TIMEOUT_MS: '200',
        ENABLE_LOADTEST_AGENT: '1',
        LLM_BASE_URL: 'http://127.0.0.1:8080/v1',
        LLM_API_KEY: 'k',
        LLM_MODEL: 'm',
        MAX_RUNS_PER_USER: '',
      }),
    ).toEqual({
      agentTimeoutMs: 1000,
      toolTimeoutMs: 200,
      breaker: {},
      enableLoadtestAgent: true,
      llm: { baseUrl: 'http://127.0.0.1:8080/v1', apiKey: 'k', model: 'm' },
    });
  });

  it('leaves llm out without LLM_BASE_URL and defaults the model with it', () => {
    expect(agentEngineOptionsFromEnv({}).llm).toBeUndefined();
    expect(agentEngineOptionsFromEnv({ LLM_BASE_URL: 'https://api.example.com/v1' }).llm).toEqual({
      baseUrl: 'https://api.example.com/v1',
      model: DEFAULT_LLM_MODEL,
    });
  });

  it('lists every bad variable at once', () => {
    expect(() =>
      agentEngineOptionsFromEnv({ AGENT_TIMEOUT_MS: 'soon', ENABLE_LOADTEST_AGENT: 'yes' }),
    ).toThrow(/AGENT_TIMEOUT_MS[\s\S]*ENABLE_LOADTEST_AGENT/);
  });
});
