import { LARGE_RECORD_KEYS, RecordKeys } from './record-keys';

function recordOf(keys: number): Record<string, number> {
  return Object.fromEntries(Array.from({ length: keys }, (_, index) => [`k${index}`, index]));
}

describe('RecordKeys', () => {
  it('lists a large record once and hands the same list to every later walk', () => {
    const keys = new RecordKeys();
    const large = recordOf(LARGE_RECORD_KEYS + 1);

    const first = keys.of(large);
    large['added'] = 1;

    expect(first).toEqual(Object.keys(recordOf(LARGE_RECORD_KEYS + 1)));
    expect(keys.of(large)).toBe(first);
    expect(keys.isEmpty).toBe(false);
  });

  it('lists a small record each time and keeps nothing for it', () => {
    const keys = new RecordKeys();
    const small = recordOf(LARGE_RECORD_KEYS - 1);

    const first = keys.of(small);
    small['added'] = 1;

    expect(keys.of(small)).toEqual([...first, 'added']);
    expect(keys.isEmpty).toBe(true);
  });
});
