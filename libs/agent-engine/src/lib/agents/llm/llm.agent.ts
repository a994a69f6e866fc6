import { Inject, Injectable } from '@nestjs/common';
import { backOff } from 'exponential-backoff';
import type { AgentDefinition, AgentRunContext } from '../../contracts/agent-definition';
import { AGENT_ENGINE_OPTIONS, type ResolvedEngineOptions } from '../../config/engine-options';
import { ChatCompletionsClient } from './chat-completions.client';
import type { ChatMessage, ChatTool, ModelTurn } from './chat-completions.types';
import { ModelRequestError } from './model-request.error';

/** A model that keeps calling tools is stopped before it burns the whole run's time limit. */
const MAX_TOOL_ROUNDS = 8;

/**
 * Streams from an OpenAI-compatible Chat Completions endpoint (registered only when `llm` is
 * configured): text deltas become ephemeral `agent_progress`, tool calls run the registered tools,
 * the final text is the answer.
 */
@Injectable()
export class LlmAgent implements AgentDefinition {
  readonly name = 'llm';
  private readonly client: ChatCompletionsClient;

  constructor(@Inject(AGENT_ENGINE_OPTIONS) private readonly options: ResolvedEngineOptions) {
    if (options.llm === undefined) {
      throw new Error('the llm agent needs the llm option (LLM_BASE_URL, LLM_MODEL)');
    }
    this.client = new ChatCompletionsClient(options.llm);
  }

  async run(context: AgentRunContext): Promise<string> {
    const messages: ChatMessage[] = [
      ...context.history.map((message) => ({ role: message.role, content: message.text })),
      { role: 'user', content: context.input },
    ];
    const tools: ChatTool[] = context.tools.map((tool) => ({
      type: 'function',
      function: { name: tool.name, description: tool.description, parameters: tool.parameters },
    }));
    for (let round = 0; round <= MAX_TOOL_ROUNDS; round += 1) {
      const turn = await this.requestTurn(context, messages, tools);
      if (turn.toolCalls.length === 0) return turn.text;
      messages.push({ role: 'assistant', content: turn.text || null, tool_calls: turn.toolCalls });
      for (const call of turn.toolCalls) {
        const result = await context.callTool(
          call.function.name,
          parseArguments(call.function.arguments),
        );
        messages.push({
          role: 'tool',
          tool_call_id: call.id,
          content: JSON.stringify(result.ok ? result.result : { error: result.error }) ?? 'null',
        });
      }
    }
    throw new Error(
      `the model asked for tools more than ${MAX_TOOL_ROUNDS} times in a row; stopped it`,
    );
  }

  /**
   * One model turn, retried with backoff only while it has produced no output: once a delta was
   * emitted, a retry would show the user a second, different beginning.
   */
  private requestTurn(
    context: AgentRunContext,
    messages: readonly ChatMessage[],
    tools: readonly ChatTool[],
  ): Promise<ModelTurn> {
    let emitted = false;
    const { retry } = this.options;
    return backOff(
      () =>
        this.client.streamTurn({
          messages,
          tools,
          signal: context.signal,
          onDelta: (delta) => {
            emitted = true;
            return context.emit('agent_progress', { delta });
          },
        }),
      {
        numOfAttempts: retry.attempts,
        startingDelay: retry.startingDelayMs,
        maxDelay: retry.maxDelayMs,
        timeMultiple: 2,
        jitter: 'full',
        retry: (error: unknown) =>
          !emitted &&
          !context.signal.aborted &&
          error instanceof ModelRequestError &&
          error.retryable,
      },
    );
  }
}

/** Models sometimes send malformed JSON; the tool's own validation then explains what is wrong. */
function parseArguments(raw: string): unknown {
  if (raw.trim() === '') return {};
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}
