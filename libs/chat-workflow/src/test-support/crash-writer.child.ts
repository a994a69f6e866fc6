/*
 * Child process of the crash test: appends messages to many threads as fast as it can and prints
 * `ack <threadId> <messageId>` for each one only after it is durable. The parent kills it with
 * SIGKILL at an arbitrary moment. Usage: crash-writer.child.ts <dataDir> <threads> <round>
 */
import { Registry } from 'prom-client';
import { resolveChatWorkflowOptions } from '../lib/chat-workflow.options';
import { ChatWorkflowMetrics } from '../lib/metrics/chat-workflow.metrics';
import type { TranscriptRecord } from '../lib/transcripts/transcript-record';
import { TranscriptStore } from '../lib/transcripts/transcript.store';

const [dataDir, threadsArgument, round] = process.argv.slice(2);
if (!dataDir || !threadsArgument || !round) {
  throw new Error('usage: crash-writer.child.ts <dataDir> <threads> <round>');
}

function message(id: string, sequence: number): TranscriptRecord {
  // Now and then a large record, so a kill can land in the middle of one write.
  const size = sequence % 7 === 0 ? 256 * 1024 : 64 + (sequence % 5) * 300;
  return { kind: 'message', id, role: 'user', text: 'x'.repeat(size), ts: Date.now() };
}

async function writeThread(store: TranscriptStore, threadId: string): Promise<void> {
  const first = `${threadId}-r${round}-0`;
  if ((await store.create(threadId, 'crash-owner', [message(first, 0)])) === 'created') {
    process.stdout.write(`ack ${threadId} ${first}\n`);
  }
  for (let sequence = 1; ; sequence += 1) {
    const id = `${threadId}-r${round}-${sequence}`;
    await store.append(threadId, [message(id, sequence)]);
    process.stdout.write(`ack ${threadId} ${id}\n`);
  }
}

async function main(): Promise<void> {
  const store = new TranscriptStore(
    resolveChatWorkflowOptions({ dataDir: dataDir as string, fileTimeoutMs: 60_000 }),
    new ChatWorkflowMetrics(new Registry()),
  );
  await store.onModuleInit();
  process.stdout.write('ready\n');
  const threads = Array.from({ length: Number(threadsArgument) }, (_, index) => `crash-${index}`);
  await Promise.all(threads.map((threadId) => writeThread(store, threadId)));
}

main().catch((error: unknown) => {
  process.stderr.write(`crash writer failed: ${String(error)}\n`);
  process.exit(1);
});
