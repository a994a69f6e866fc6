/**
 * A fast lookup of thread owners in front of the transcripts, which hold them durably. Owners
 * never change, so an entry is never stale; it is only recorded after the owner is on disk.
 */
export interface OwnerDirectory {
  lookup(threadId: string): Promise<string | undefined>;
  record(threadId: string, owner: string): Promise<void>;
}

/** DI token of the `OwnerDirectory` chosen by redisUrl. */
export const OWNER_DIRECTORY = Symbol('CHAT_WORKFLOW_OWNER_DIRECTORY');
