/**
 * A recursive-descent parser and evaluator for arithmetic, so user text is never handed to
 * eval or Function. Grammar (lowest precedence first):
 *
 *   expression := term (('+' | '-') term)*
 *   term       := unary (('*' | '/' | '%') unary)*
 *   unary      := ('-' | '+') unary | power
 *   power      := primary ('^' unary)?          right-associative: 2^3^2 = 2^9
 *   primary    := number | '(' expression ')'
 *
 * Unary minus binds looser than '^', as in mathematics: -2^2 = -4.
 */
export class ExpressionError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
    this.name = 'ExpressionError';
  }
}

/** Longer input or deeper nesting is refused rather than risking the stack or the event loop. */
export const MAX_EXPRESSION_LENGTH = 1000;
export const MAX_NESTING_DEPTH = 100;

type Token =
  | { kind: 'number'; value: number; position: number }
  | { kind: 'operator'; value: '+' | '-' | '*' | '/' | '%' | '^' | '(' | ')'; position: number }
  | { kind: 'end'; position: number };

const OPERATORS = new Set(['+', '-', '*', '/', '%', '^', '(', ')']);

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < source.length) {
    const char = source[index];
    if (/\s/.test(char)) {
      index += 1;
    } else if (/[0-9.]/.test(char)) {
      const match = /^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?/i.exec(source.slice(index));
      if (match === null) throw new ExpressionError(`malformed number at ${index + 1}`, index);
      tokens.push({ kind: 'number', value: Number(match[0]), position: index });
      index += match[0].length;
    } else if (OPERATORS.has(char)) {
      tokens.push({ kind: 'operator', value: char as never, position: index });
      index += 1;
    } else {
      throw new ExpressionError(
        `unexpected "${char}" at ${index + 1}; use numbers, + - * / % ^ and parentheses`,
        index,
      );
    }
  }
  tokens.push({ kind: 'end', position: source.length });
  return tokens;
}

class Parser {
  private index = 0;
  private depth = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  parse(): number {
    const value = this.expression();
    const next = this.peek();
    if (next.kind !== 'end') {
      throw new ExpressionError(
        `unexpected ${describe(next)} at ${next.position + 1}`,
        next.position,
      );
    }
    return value;
  }

  private expression(): number {
    let value = this.term();
    for (;;) {
      if (this.accept('+')) value += this.term();
      else if (this.accept('-')) value -= this.term();
      else return value;
    }
  }

  private term(): number {
    let value = this.unary();
    for (;;) {
      const token = this.peek();
      if (this.accept('*')) {
        value *= this.unary();
      } else if (this.accept('/')) {
        const divisor = this.unary();
        if (divisor === 0) throw new ExpressionError('division by zero', token.position);
        value /= divisor;
      } else if (this.accept('%')) {
        const divisor = this.unary();
        if (divisor === 0) throw new ExpressionError('modulo by zero', token.position);
        value %= divisor;
      } else {
        return value;
      }
    }
  }

  private unary(): number {
    return this.nested(() => {
      if (this.accept('-')) return -this.unary();
      if (this.accept('+')) return this.unary();
      return this.power();
    });
  }

  private power(): number {
    const base = this.primary();
    return this.accept('^') ? base ** this.unary() : base;
  }

  private primary(): number {
    const token = this.next();
    if (token.kind === 'number') return token.value;
    if (token.kind === 'operator' && token.value === '(') {
      const value = this.nested(() => this.expression());
      const closing = this.next();
      if (closing.kind !== 'operator' || closing.value !== ')') {
        throw new ExpressionError(
          `expected ")" at ${closing.position + 1}, found ${describe(closing)}`,
          closing.position,
        );
      }
      return value;
    }
    throw new ExpressionError(
      `expected a number or "(" at ${token.position + 1}, found ${describe(token)}`,
      token.position,
    );
  }

  private nested(parse: () => number): number {
    this.depth += 1;
    if (this.depth > MAX_NESTING_DEPTH) {
      throw new ExpressionError(
        `expression nested deeper than ${MAX_NESTING_DEPTH} levels`,
        this.peek().position,
      );
    }
    try {
      return parse();
    } finally {
      this.depth -= 1;
    }
  }

  private accept(operator: string): boolean {
    const token = this.peek();
    if (token.kind === 'operator' && token.value === operator) {
      this.index += 1;
      return true;
    }
    return false;
  }

  private peek(): Token {
    return this.tokens[this.index];
  }

  private next(): Token {
    const token = this.tokens[this.index];
    if (token.kind !== 'end') this.index += 1;
    return token;
  }
}

function describe(token: Token): string {
  if (token.kind === 'end') return 'the end of the expression';
  return token.kind === 'number' ? `number ${token.value}` : `"${token.value}"`;
}

/** Evaluates `source`; throws `ExpressionError` saying what is wrong and where. */
export function evaluateExpression(source: string): number {
  if (source.length > MAX_EXPRESSION_LENGTH) {
    throw new ExpressionError(`expression longer than ${MAX_EXPRESSION_LENGTH} characters`, 0);
  }
  const value = new Parser(tokenize(source)).parse();
  if (!Number.isFinite(value)) {
    throw new ExpressionError('the result is not a finite number', 0);
  }
  return value;
}
