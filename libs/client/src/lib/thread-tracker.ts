import type { DecodedEventEnvelope } from '@agent-gateway/events';

/**
 * Per thread, the last durable `seq` handed to the application. The gateway may send an event
 * again (same seq) when an acknowledgement was lost; this is what drops the repeat, and what the
 * client resumes from after a reconnect.
 */
export class ThreadTracker {
  private readonly lastSeqs = new Map<string, number>();

  follow(threadId: string, lastSeq = this.lastSeqs.get(threadId) ?? 0): void {
    this.lastSeqs.set(threadId, Math.max(lastSeq, this.lastSeqs.get(threadId) ?? 0));
  }

  unfollow(threadId: string): void {
    this.lastSeqs.delete(threadId);
  }

  followed(): Array<[threadId: string, lastSeq: number]> {
    return [...this.lastSeqs];
  }

  lastSeq(threadId: string): number | undefined {
    return this.lastSeqs.get(threadId);
  }

  /** True when the application should see this envelope; records its seq if durable. */
  accept(envelope: DecodedEventEnvelope): boolean {
    if (envelope.ephemeral) return true;
    const last = this.lastSeqs.get(envelope.threadId) ?? 0;
    if (envelope.seq <= last) return false;
    this.lastSeqs.set(envelope.threadId, envelope.seq);
    return true;
  }
}
