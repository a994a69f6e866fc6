import { ExpressionError, MAX_NESTING_DEPTH, evaluateExpression } from './expression-parser';

describe('evaluateExpression', () => {
  it.each([
    ['2+3*4', 14],
    ['(2+3)*4', 20],
    ['10-4-3', 3],
    ['20/4/5', 1],
    ['7%4', 3],
    ['2^3^2', 512],
    ['-2^2', -4],
    ['(-2)^2', 4],
    ['2^-1', 0.5],
    ['-3 + -(-4)', 1],
    ['+5', 5],
    ['1.5 * 2', 3],
    ['.5 + 3.', 3.5],
    ['  2 *  ( 3 + 4 ) ', 14],
    ['1e3 + 1', 1001],
    ['2 * 3 % 4', 2],
  ])('evaluates %s as %d', (expression, expected) => {
    expect(evaluateExpression(expression)).toBeCloseTo(expected, 12);
  });

  it.each([
    ['1/0', 'division by zero'],
    ['5%0', 'modulo by zero'],
    ['2+', 'expected a number or "(" at 3'],
    ['(2+3', 'expected ")"'],
    ['2+3)', 'unexpected ")" at 4'],
    ['2 3', 'unexpected number 3'],
    ['', 'expected a number'],
    ['1..2', 'unexpected number'],
    ['process.exit()', 'unexpected "p" at 1'],
    ['2**3', 'expected a number or "(" at 3'],
    ['10^400', 'not a finite number'],
  ])('refuses %s saying %s', (expression, message) => {
    expect(() => evaluateExpression(expression)).toThrow(ExpressionError);
    expect(() => evaluateExpression(expression)).toThrow(message);
  });

  it('refuses nesting deeper than the limit instead of overflowing the stack', () => {
    const deep = '('.repeat(MAX_NESTING_DEPTH + 1) + '1' + ')'.repeat(MAX_NESTING_DEPTH + 1);
    expect(() => evaluateExpression(deep)).toThrow('nested deeper');
    const ok = '('.repeat(20) + '1' + ')'.repeat(20);
    expect(evaluateExpression(ok)).toBe(1);
  });

  it('refuses overly long input', () => {
    expect(() => evaluateExpression('1+'.repeat(600) + '1')).toThrow('longer than');
  });
});
