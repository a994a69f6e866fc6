/** The parts of the OpenAI Chat Completions wire format this agent speaks. */
export interface ToolCallMessagePart {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export type ChatMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string | null; tool_calls?: ToolCallMessagePart[] }
  | { role: 'tool'; tool_call_id: string; content: string };

export interface ChatTool {
  type: 'function';
  function: { name: string; description: string; parameters: Record<string, unknown> };
}

/** One `data:` chunk of a streamed completion. */
export interface ChatCompletionChunk {
  choices?: {
    index?: number;
    delta?: {
      content?: string | null;
      tool_calls?: {
        index: number;
        id?: string;
        function?: { name?: string; arguments?: string };
      }[];
    };
    finish_reason?: string | null;
  }[];
  error?: { message?: string };
}

/** A completed model turn: its text and the tool calls it asked for. */
export interface ModelTurn {
  text: string;
  toolCalls: ToolCallMessagePart[];
  finishReason: string | undefined;
}
