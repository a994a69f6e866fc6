import {
  DEFAULT_INLINE_THRESHOLD_BYTES,
  DEFAULT_MAX_EVENT_BYTES,
  DEFAULT_SHARED_RESULT_BYTES,
  DEFAULT_TIMEOUT_MS,
  resolveSerializationOptions,
} from './serialization-options';

describe('resolveSerializationOptions', () => {
  it('fills the documented defaults', () => {
    const options = resolveSerializationOptions({});
    expect(options).toMatchObject({
      timeoutMs: DEFAULT_TIMEOUT_MS,
      maxEventBytes: DEFAULT_MAX_EVENT_BYTES,
      inlineThresholdBytes: DEFAULT_INLINE_THRESHOLD_BYTES,
    });
    expect(DEFAULT_TIMEOUT_MS).toBe(1000);
    expect(DEFAULT_MAX_EVENT_BYTES).toBe(8 * 1024 * 1024);
    expect(options.poolSize).toBeGreaterThanOrEqual(1);
    expect(options.sharedResultBytes).toBe(DEFAULT_SHARED_RESULT_BYTES);
  });

  it('takes sharedResultBytes 0 (always transfer) and refuses a negative or fractional one', () => {
    expect(resolveSerializationOptions({ sharedResultBytes: 0 }).sharedResultBytes).toBe(0);
    expect(() => resolveSerializationOptions({ sharedResultBytes: -1 })).toThrow(
      /sharedResultBytes must be a whole number of bytes, 0 or more \(got -1\)/,
    );
    expect(() => resolveSerializationOptions({ sharedResultBytes: 0.5 })).toThrow(
      /sharedResultBytes/,
    );
  });

  it('refuses non-positive or fractional options, naming the option', () => {
    expect(() => resolveSerializationOptions({ poolSize: 0 })).toThrow(/poolSize/);
    expect(() => resolveSerializationOptions({ maxQueue: 1.5 })).toThrow(/maxQueue/);
  });

  it('refuses a time longer than a Node timer can wait, naming the option and its variable', () => {
    const longest = 2 ** 31 - 1;
    expect(resolveSerializationOptions({ timeoutMs: longest }).timeoutMs).toBe(longest);
    expect(resolveSerializationOptions({ healthProbeMs: longest }).healthProbeMs).toBe(longest);
    expect(() => resolveSerializationOptions({ timeoutMs: 3e9 })).toThrow(
      /timeoutMs \(SERIALIZATION_TIMEOUT_MS in the gateway\) must be at most 2147483647 ms \(got 3000000000\)/,
    );
    expect(() => resolveSerializationOptions({ healthProbeMs: longest + 1 })).toThrow(
      /healthProbeMs must be at most 2147483647 ms \(got 2147483648\)/,
    );
  });

  it('refuses a maxStringChars the truncation marker would not fit, saying why', () => {
    expect(resolveSerializationOptions({ maxStringChars: 16 }).maxStringChars).toBe(16);
    expect(() => resolveSerializationOptions({ maxStringChars: 8 })).toThrow(
      /maxStringChars must be at least 16 \(got 8\): the truncation marker/,
    );
  });

  it('refuses an inline threshold above the event size limit', () => {
    expect(() =>
      resolveSerializationOptions({ inlineThresholdBytes: 2048, maxEventBytes: 1024 }),
    ).toThrow(/inlineThresholdBytes .* must not exceed maxEventBytes/);
  });
});
