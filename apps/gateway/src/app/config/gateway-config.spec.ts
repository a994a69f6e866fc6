import { ConfigurationError, loadGatewayConfig } from './gateway-config';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadGatewayConfig(env);
  } catch (error) {
    if (error instanceof ConfigurationError) return error.problems;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('loadGatewayConfig', () => {
  it('gives the contract defaults for an empty environment, in development mode', () => {
    const config = loadGatewayConfig({});
    expect(config).toMatchObject({
      PORT: 3000,
      DATA_DIR: './data',
      MAX_CONNECTIONS_PER_USER: 3,
      MAX_TOTAL_CONNECTIONS: 10_000,
      MAX_MESSAGE_CHARS: 32_000,
      MAX_PACKET_BYTES: 1_048_576,
      MAX_EVENT_BYTES: 8_388_608,
      EVENT_RETENTION: 1000,
      AGENT_TIMEOUT_MS: 30_000,
      TOOL_TIMEOUT_MS: 10_000,
      REDIS_TIMEOUT_MS: 2000,
      FILE_TIMEOUT_MS: 5000,
      SERIALIZATION_TIMEOUT_MS: 1000,
      SERIALIZATION_SHARED_RESULT_BYTES: 67_108_864,
      SEND_TIMEOUT_MS: 5000,
      ENABLE_LOADTEST_AGENT: false,
      devAuth: true,
    });
    expect(config.REDIS_URL).toBeUndefined();
  });

  it.each([
    ['PORT', 'abc', 'PORT must be a whole number from 0 to 65535 (decimal digits only), got "abc"'],
    [
      'PORT',
      '70000',
      'PORT must be a whole number from 0 to 65535 (decimal digits only), got "70000"',
    ],
    ['MAX_CONNECTIONS_PER_USER', '0', 'MAX_CONNECTIONS_PER_USER must be a whole number from 1'],
    ['AGENT_TIMEOUT_MS', '1.5', 'AGENT_TIMEOUT_MS must be a whole number from 1'],
    ['SEND_TIMEOUT_MS', '-5', 'SEND_TIMEOUT_MS must be a whole number from 1'],
    [
      'SERIALIZATION_SHARED_RESULT_BYTES',
      '-1',
      'SERIALIZATION_SHARED_RESULT_BYTES must be a whole number from 0',
    ],
    [
      'ENABLE_LOADTEST_AGENT',
      'yes',
      'ENABLE_LOADTEST_AGENT must be 1, 0, true or false, got "yes"',
    ],
    [
      'REDIS_URL',
      'localhost:6379',
      'REDIS_URL must be a URL starting with redis:// or rediss://, got "localhost:6379"',
    ],
    [
      'LLM_BASE_URL',
      'ftp://x',
      'LLM_BASE_URL must be a URL starting with http:// or https://, got "ftp://x"',
    ],
    ['LOG_LEVEL', 'loud', 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace'],
    ['NODE_ENV', 'staging', 'NODE_ENV'],
  ])('refuses %s=%s naming the variable and what it expects', (name, value, message) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });

  // Node's timers wait at most 2^31 - 1 ms; above it they fire after 1 ms, with only a warning.
  const timerVariables = [
    'EVENT_RETENTION_MS',
    'AGENT_TIMEOUT_MS',
    'TOOL_TIMEOUT_MS',
    'REDIS_TIMEOUT_MS',
    'FILE_TIMEOUT_MS',
    'DEDUP_TTL_MS',
    'SERIALIZATION_TIMEOUT_MS',
    'SEND_TIMEOUT_MS',
    'CLEANUP_INTERVAL_MS',
    'RUN_QUEUE_WAIT_MS',
    'BREAKER_RESET_TIMEOUT_MS',
    'BREAKER_ROLLING_WINDOW_MS',
    'RATE_LIMIT_WINDOW_MS',
    'HEALTH_EVENT_LOOP_DELAY_MS',
  ];

  it.each(timerVariables)(
    'refuses %s above the longest timer Node can wait (2147483647 ms), and takes that one',
    (name) => {
      const problems = problemsOf({ [name]: '2147483648' });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain(`${name} must be a whole number from`);
      expect(problems[0]).toContain('to 2147483647');
      expect(loadGatewayConfig({ [name]: '2147483647' })[name as 'AGENT_TIMEOUT_MS']).toBe(
        2_147_483_647,
      );
    },
  );

  it('bounds SHUTDOWN_GRACE_MS so the stop deadline (grace + 15 s) still fits a timer', () => {
    expect(problemsOf({ SHUTDOWN_GRACE_MS: '2147483648' })[0]).toContain(
      'SHUTDOWN_GRACE_MS must be a whole number from 0 to 2147468647',
    );
    expect(problemsOf({ SHUTDOWN_GRACE_MS: '2147468648' })).toHaveLength(1);
    expect(loadGatewayConfig({ SHUTDOWN_GRACE_MS: '2147468647' }).SHUTDOWN_GRACE_MS).toBe(
      2_147_468_647,
    );
  });

  it.each(['0x50', '1e3', '0b1', '0o7', '80.0', '+80', ' 80', '80 ', '8_0', 'Infinity'])(
    'takes whole numbers in decimal digits only: refuses PORT=%j',
    (raw) => {
      expect(problemsOf({ PORT: raw })).toEqual([
        `PORT must be a whole number from 0 to 65535 (decimal digits only), got "${raw}"`,
      ]);
    },
  );

  it('takes leading zeros as decimal', () => {
    expect(loadGatewayConfig({ PORT: '0080' }).PORT).toBe(80);
  });

  it('takes an empty (or blank) value as unset, for every kind of variable', () => {
    const names = [
      'NODE_ENV',
      'HOST',
      'PORT',
      'LOG_LEVEL',
      'AUTH_JWT_SECRET',
      'DATA_DIR',
      'REDIS_URL',
      'AGENT_TIMEOUT_MS',
      'ENABLE_LOADTEST_AGENT',
      'LLM_BASE_URL',
      'LLM_API_KEY',
      'LLM_MODEL',
    ];
    const defaults = loadGatewayConfig({});
    for (const blank of ['', '  ']) {
      const env = Object.fromEntries(names.map((name) => [name, blank]));
      expect(loadGatewayConfig(env)).toEqual(defaults);
    }
    expect(defaults).toMatchObject({
      NODE_ENV: 'development',
      HOST: '0.0.0.0',
      LOG_LEVEL: 'info',
      DATA_DIR: './data',
      LLM_MODEL: 'gpt-4o-mini',
      devAuth: true,
    });
  });

  it('gives the llm agent its default model when LLM_MODEL is empty', () => {
    expect(loadGatewayConfig({ LLM_BASE_URL: 'http://llm.test/v1', LLM_MODEL: '' })).toMatchObject({
      LLM_BASE_URL: 'http://llm.test/v1',
      LLM_MODEL: 'gpt-4o-mini',
    });
  });

  it('still refuses production without a secret when AUTH_JWT_SECRET is empty', () => {
    expect(problemsOf({ NODE_ENV: 'production', AUTH_JWT_SECRET: '' })).toEqual([
      'AUTH_JWT_SECRET must be set when NODE_ENV=production (HS256 secret for handshake tokens)',
    ]);
  });

  it.each([
    ['DATA_DIR', ' ./data', 'DATA_DIR must be a directory path without leading or trailing spaces'],
    ['LLM_MODEL', 'gpt-4o ', 'LLM_MODEL must be a model name without leading or trailing spaces'],
    [
      'LOG_LEVEL',
      'INFO',
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, got "INFO"',
    ],
    ['NODE_ENV', 'staging', 'NODE_ENV must be one of development, production, test, got "staging"'],
  ])('refuses %s=%j with a message saying what it expects', (name, value, message) => {
    expect(problemsOf({ [name]: value })).toEqual([expect.stringContaining(message)]);
  });

  it('reports every bad variable at once, not only the first', () => {
    expect(problemsOf({ PORT: 'x', SEND_TIMEOUT_MS: 'y' })).toHaveLength(2);
  });

  it('refuses to start in production without AUTH_JWT_SECRET', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual([
      'AUTH_JWT_SECRET must be set when NODE_ENV=production (HS256 secret for handshake tokens)',
    ]);
    expect(loadGatewayConfig({ NODE_ENV: 'production', AUTH_JWT_SECRET: 's3cret' }).devAuth).toBe(
      false,
    );
  });
});
