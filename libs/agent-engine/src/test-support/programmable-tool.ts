import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import type { ToolDefinition, ToolExecutionContext } from '../lib/contracts/tool-definition';

const args = z.object({ value: z.number().optional() });
type Args = z.infer<typeof args>;

export type ToolBehaviour = (args: Args, context: ToolExecutionContext) => Promise<unknown>;

abstract class ProgrammableTool implements ToolDefinition<Args> {
  abstract readonly name: string;
  abstract readonly idempotent: boolean;
  readonly description = 'a tool whose behaviour the test sets';
  readonly argsSchema = args;
  behaviour: ToolBehaviour = (input) => Promise.resolve({ echo: input.value });
  attempts = 0;

  execute(input: Args, context: ToolExecutionContext): Promise<unknown> {
    this.attempts += 1;
    return this.behaviour(input, context);
  }
}

/** Safe to call twice: the engine may retry it. */
@Injectable()
export class IdempotentTestTool extends ProgrammableTool {
  readonly name = 'idempotent_probe';
  readonly idempotent = true;
}

/** Has side effects: the engine must never retry it. */
@Injectable()
export class SideEffectTestTool extends ProgrammableTool {
  readonly name = 'side_effect_probe';
  readonly idempotent = false;
}
