export interface ChatSendResult {
  threadId: string;
  runId: string;
  messageId: string;
  /** The numbering of the thread's seqs, as `ThreadSubscribeResult.logId` (an extension). */
  logId: string;
}

export interface ThreadSubscribeResult {
  threadId: string;
  lastSeq: number;
  replayed: number;
  /**
   * Names the numbering `lastSeq` counts in (an extension of the contract). It changes only when
   * the gateway lost the thread's log and numbers it from 1 again (an in-process gateway
   * restarted): seqs seen under another `logId` are none of this numbering's. Send it back with
   * `afterSeq` to resume; a resume that names another is replayed the whole log.
   */
  logId: string;
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
