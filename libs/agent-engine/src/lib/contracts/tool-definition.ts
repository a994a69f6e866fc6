import type { z } from 'zod';

export interface ToolExecutionContext {
  /** Aborts when this call times out or its run ends; stop work and let the promise settle. */
  signal: AbortSignal;
  runId: string;
  userId: string;
}

/**
 * A tool agents can call. Implement it on an `@Injectable()` class and register the class with
 * `AgentEngineModule.forFeature({ tools: [...] })`.
 */
export interface ToolDefinition<TArgs = unknown> {
  /** Unique among tools: `[A-Za-z0-9_-]{1,64}`, the name models call it by. */
  readonly name: string;
  /** What the tool does, for people and models. */
  readonly description: string;
  /** Arguments are parsed with it before `execute`; its JSON Schema is what a model is shown. */
  readonly argsSchema: z.ZodType<TArgs>;
  /** Only idempotent tools are retried after a failed or timed-out attempt. */
  readonly idempotent: boolean;
  /**
   * Its result goes out as `tool_completed`'s `result`, handed over, not copied, and is recorded
   * a little after this resolves: return a value the tool no longer changes (a copy of what it
   * keeps, not the kept object itself). Once recorded, clients are sent what was recorded.
   */
  execute(args: TArgs, context: ToolExecutionContext): Promise<unknown>;
}

/** A tool as an agent (or a model) sees it. */
export interface ToolDescriptor {
  name: string;
  description: string;
  /** JSON Schema of the arguments. */
  parameters: Record<string, unknown>;
}

export type ToolCallResult = { ok: true; result: unknown } | { ok: false; error: string };
