import {
  DEFAULT_INLINE_THRESHOLD_BYTES,
  DEFAULT_MAX_EVENT_BYTES,
  DEFAULT_TIMEOUT_MS,
  resolveSerializationOptions,
} from './serialization-options';

describe('resolveSerializationOptions', () => {
  it('fills the documented defaults', () => {
    const options = resolveSerializationOptions({}, {});
    expect(options).toMatchObject({
      timeoutMs: DEFAULT_TIMEOUT_MS,
      maxEventBytes: DEFAULT_MAX_EVENT_BYTES,
      inlineThresholdBytes: DEFAULT_INLINE_THRESHOLD_BYTES,
    });
    expect(DEFAULT_TIMEOUT_MS).toBe(1000);
    expect(DEFAULT_MAX_EVENT_BYTES).toBe(8 * 1024 * 1024);
    expect(options.poolSize).toBeGreaterThanOrEqual(1);
  });

  it('takes the time limit and event size from the environment when not given', () => {
    const env = { SERIALIZATION_TIMEOUT_MS: '250', MAX_EVENT_BYTES: '1048576' };
    expect(resolveSerializationOptions({}, env)).toMatchObject({
      timeoutMs: 250,
      maxEventBytes: 1_048_576,
    });
    expect(resolveSerializationOptions({ timeoutMs: 99 }, env).timeoutMs).toBe(99);
  });

  it('refuses a malformed environment value, naming the variable', () => {
    expect(() => resolveSerializationOptions({}, { SERIALIZATION_TIMEOUT_MS: 'soon' })).toThrow(
      /SERIALIZATION_TIMEOUT_MS must be a positive integer/,
    );
  });

  it('refuses non-positive or fractional options, naming the option', () => {
    expect(() => resolveSerializationOptions({ poolSize: 0 }, {})).toThrow(/poolSize/);
    expect(() => resolveSerializationOptions({ maxQueue: 1.5 }, {})).toThrow(/maxQueue/);
  });

  it('refuses an inline threshold above the event size limit', () => {
    expect(() =>
      resolveSerializationOptions({ inlineThresholdBytes: 2048, maxEventBytes: 1024 }, {}),
    ).toThrow(/inlineThresholdBytes .* must not exceed maxEventBytes/);
  });
});
