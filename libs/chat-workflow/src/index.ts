export * from './lib/chat-workflow.options';
export * from './lib/metrics/chat-workflow.metrics';
export { TranscriptStore } from './lib/transcripts/transcript.store';
