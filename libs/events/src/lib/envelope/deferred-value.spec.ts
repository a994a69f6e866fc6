import { deferredValue, isDeferredValue } from './deferred-value';

describe('deferredValue', () => {
  it('is a deferred value, with the recipe and args it was given', () => {
    const value = deferredValue('nested-state', { bytes: 10 });

    expect(isDeferredValue(value)).toBe(true);
    expect(value).toEqual({ $deferred: 'nested-state', args: { bytes: 10 } });
    expect(JSON.stringify(value)).toBe('{"$deferred":"nested-state","args":{"bytes":10}}');
  });

  it('takes no data of the same shape for one: parsed, copied, cloned or hand-made', () => {
    const made = deferredValue('nested-state', { bytes: 3_000_000 });
    const lookalikes = [
      JSON.parse('{"$deferred":"nested-state","args":{"bytes":3000000}}') as unknown,
      { $deferred: 'nested-state', args: { bytes: 3_000_000 } },
      { ...made },
      structuredClone(made),
      Object.create(Object.getPrototypeOf(made) as object) as unknown,
      new Map<string, unknown>([
        ['$deferred', 'nested-state'],
        ['args', {}],
      ]),
    ];

    expect(lookalikes.map((value) => isDeferredValue(value))).toEqual(lookalikes.map(() => false));
  });

  it('cannot be changed once made', () => {
    const value = deferredValue('nested-state', { bytes: 10 });
    expect(() => Object.assign(value, { $deferred: 'other' })).toThrow(TypeError);
  });
});
