export * from './lib/chat-workflow.module';
export * from './lib/chat-workflow.options';
export type { RequestContext } from './lib/workflow/request-context';
export { ChatWorkflowService } from './lib/workflow/chat-workflow.service';
export { TranscriptStore } from './lib/transcripts/transcript.store';
export type { Transcript } from './lib/transcripts/transcript';
export type { StoredMessage } from './lib/transcripts/transcript-record';
export { HistoryCache, type CachedHistory } from './lib/history-cache/history.cache';
export { ChatWorkflowMetrics } from './lib/metrics/chat-workflow.metrics';
