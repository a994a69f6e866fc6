import { findArithmetic } from './find-arithmetic';

describe('findArithmetic', () => {
  it.each([
    ['what is 2+3*4', '2+3*4'],
    ['What is (1 + 2) * 3?', '(1 + 2) * 3'],
    ['compute -4 / 2.5.', '-4 / 2.5'],
    ['is 7 bigger than 3 ^ 2 or not', '3 ^ 2'],
  ])('finds the arithmetic in %j', (text, expected) => {
    expect(findArithmetic(text)).toBe(expected);
  });

  it.each(['hello', 'I have 3 cats', 'what time is it?', '- nothing -'])(
    'finds none in %j',
    (text) => {
      expect(findArithmetic(text)).toBeUndefined();
    },
  );
});
