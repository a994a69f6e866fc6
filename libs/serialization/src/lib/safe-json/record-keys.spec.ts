import { RecordKeys } from './record-keys';

function recordOf(keys: number): Record<string, number> {
  return Object.fromEntries(Array.from({ length: keys }, (_, index) => [`k${index}`, index]));
}

describe('RecordKeys', () => {
  // A budget of 10 000 bytes: a record's keys alone are over it past 2 000 keys (5 bytes each).
  const budgetBytes = 10_000;

  it('lists a record over the budget once and hands the same list to every later walk', () => {
    const keys = new RecordKeys(budgetBytes);
    const large = recordOf(2_001);

    const first = keys.of(large);
    large['added'] = 1;

    expect(first).toEqual(Object.keys(recordOf(2_001)));
    expect(keys.of(large)).toBe(first);
    expect(keys.isOverBudget(first.length)).toBe(true);
    expect(keys.isEmpty).toBe(false);
  });

  it('keeps nothing for a record that fits the budget, nor for one it has let go', () => {
    const keys = new RecordKeys(budgetBytes);
    const fits = recordOf(2_000);
    const walked = recordOf(3_000);

    const first = keys.of(fits);
    fits['added'] = 1;
    const walkedFirst = keys.of(walked);
    keys.forget(walked);
    walked['added'] = 1;

    expect(keys.of(fits)).toEqual([...first, 'added']);
    expect(keys.isOverBudget(2_000)).toBe(false);
    expect(keys.of(walked)).toEqual([...walkedFirst, 'added']);
  });

  it('never keeps a small record, however small the budget, nor anything without a budget', () => {
    expect(new RecordKeys(10).isOverBudget(512)).toBe(false);
    expect(new RecordKeys(10).isOverBudget(513)).toBe(true);
    expect(new RecordKeys(Infinity).isOverBudget(10_000_000)).toBe(false);
  });
});
