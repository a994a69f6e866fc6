import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import type { ToolDefinition } from '../../contracts/tool-definition';
import { ToolFailure } from '../../contracts/tool-failure.error';
import { MAX_EXPRESSION_LENGTH, evaluateExpression } from './expression-parser';

const calculatorArgs = z.object({
  expression: z
    .string()
    .min(1)
    .max(MAX_EXPRESSION_LENGTH)
    .describe('Arithmetic with + - * / % ^, parentheses, unary minus and decimals, e.g. "2+3*4"'),
});
type CalculatorArgs = z.infer<typeof calculatorArgs>;

export interface CalculatorResult {
  expression: string;
  value: number;
}

@Injectable()
export class CalculatorTool implements ToolDefinition<CalculatorArgs> {
  readonly name = 'calculator';
  readonly description = 'Evaluates an arithmetic expression exactly as written.';
  readonly argsSchema = calculatorArgs;
  readonly idempotent = true;

  execute({ expression }: CalculatorArgs): Promise<CalculatorResult> {
    try {
      // 15 significant digits hide binary noise (0.1+0.2) without hiding real precision.
      const value = Number.parseFloat(evaluateExpression(expression).toPrecision(15));
      return Promise.resolve({ expression, value: Object.is(value, -0) ? 0 : value });
    } catch (error) {
      // The same expression fails the same way again: no point in a retry.
      return Promise.reject(
        new ToolFailure(error instanceof Error ? error.message : String(error)),
      );
    }
  }
}
