import type {
  ChatCompletionChunk,
  ChatMessage,
  ChatTool,
  ModelTurn,
} from './chat-completions.types';
import { ModelRequestError } from './model-request.error';
import { sseData } from './sse-data';

export interface ChatCompletionsConfig {
  baseUrl: string;
  apiKey?: string;
  model: string;
}

export interface StreamTurnRequest {
  messages: readonly ChatMessage[];
  tools: readonly ChatTool[];
  signal: AbortSignal;
  /** Called for each text delta, in order; awaited, so a slow consumer slows the read. */
  onDelta: (delta: string) => Promise<void>;
}

/** Longest error body quoted in a message: enough to see the cause, not a page of HTML. */
const MAX_ERROR_BODY = 300;

/** One streamed turn against an OpenAI-compatible `POST {baseUrl}/chat/completions`. */
export class ChatCompletionsClient {
  constructor(private readonly config: ChatCompletionsConfig) {}

  async streamTurn({ messages, tools, signal, onDelta }: StreamTurnRequest): Promise<ModelTurn> {
    const response = await this.post(messages, tools, signal);
    if (response.body === null) {
      throw new ModelRequestError('the model endpoint answered without a body', true);
    }
    let text = '';
    let finishReason: string | undefined;
    const calls = new Map<number, { id: string; name: string; arguments: string }>();
    try {
      for await (const data of sseData(response.body)) {
        if (data.trim() === '[DONE]') {
          return { text, finishReason, toolCalls: toToolCalls(calls) };
        }
        const chunk = parseChunk(data);
        if (chunk.error !== undefined) {
          throw new ModelRequestError(
            `the model reported an error: ${chunk.error.message ?? 'no message'}`,
            false,
          );
        }
        const choice = chunk.choices?.[0];
        if (choice === undefined) continue;
        finishReason = choice.finish_reason ?? finishReason;
        for (const part of choice.delta?.tool_calls ?? []) {
          const call = calls.get(part.index) ?? { id: '', name: '', arguments: '' };
          call.id ||= part.id ?? '';
          call.name += part.function?.name ?? '';
          call.arguments += part.function?.arguments ?? '';
          calls.set(part.index, call);
        }
        const delta = choice.delta?.content;
        if (typeof delta === 'string' && delta !== '') {
          text += delta;
          await onDelta(delta);
        }
      }
    } catch (error) {
      if (signal.aborted || error instanceof ModelRequestError) throw error;
      throw new ModelRequestError(
        `the model stream broke: ${error instanceof Error ? error.message : String(error)}`,
        true,
      );
    }
    throw new ModelRequestError('the model stream ended before [DONE]', true);
  }

  private async post(
    messages: readonly ChatMessage[],
    tools: readonly ChatTool[],
    signal: AbortSignal,
  ): Promise<Response> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'text/event-stream',
    };
    if (this.config.apiKey) headers['authorization'] = `Bearer ${this.config.apiKey}`;
    let response: Response;
    try {
      response = await fetch(`${this.config.baseUrl}/chat/completions`, {
        method: 'POST',
        headers,
        signal,
        body: JSON.stringify({
          model: this.config.model,
          stream: true,
          messages,
          ...(tools.length > 0 ? { tools } : {}),
        }),
      });
    } catch (error) {
      if (signal.aborted) throw error;
      throw new ModelRequestError(
        `could not reach the model endpoint ${this.config.baseUrl}: ${describeFetchError(error)}`,
        true,
      );
    }
    if (!response.ok) {
      const body = (await response.text().catch(() => '')).slice(0, MAX_ERROR_BODY);
      throw new ModelRequestError(
        `the model endpoint answered ${response.status}${body ? `: ${body}` : ''}`,
        response.status === 429 || response.status >= 500,
        response.status,
      );
    }
    return response;
  }
}

function parseChunk(data: string): ChatCompletionChunk {
  try {
    return JSON.parse(data) as ChatCompletionChunk;
  } catch {
    throw new ModelRequestError(
      `the model sent a chunk that is not JSON: ${data.slice(0, 80)}`,
      true,
    );
  }
}

function toToolCalls(
  calls: Map<number, { id: string; name: string; arguments: string }>,
): ModelTurn['toolCalls'] {
  return [...calls.entries()]
    .sort(([a], [b]) => a - b)
    .map(([index, call]) => ({
      id: call.id || `call_${index}`,
      type: 'function' as const,
      function: { name: call.name, arguments: call.arguments },
    }));
}

/** undici hides the useful part ("ECONNREFUSED") in `cause`. */
function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
}
