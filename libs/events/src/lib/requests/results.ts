export interface ChatSendResult {
  threadId: string;
  runId: string;
  messageId: string;
}

export interface ThreadSubscribeResult {
  threadId: string;
  lastSeq: number;
  replayed: number;
}

export type MessageRole = 'user' | 'assistant';

export interface HistoryMessage {
  id: string;
  role: MessageRole;
  text: string;
  ts: number;
  runId?: string;
}

export interface ThreadHistoryResult {
  messages: HistoryMessage[];
}
