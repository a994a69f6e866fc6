import { LruMap } from '../shared/lru-map';
import type { OwnerDirectory } from './owner-directory';

/** Owners remembered per process. */
const REMEMBERED_OWNERS = 100_000;

/** Owners this process has seen; without Redis, the only directory. */
export class InMemoryOwnerDirectory implements OwnerDirectory {
  private readonly owners = new LruMap<string, string>(REMEMBERED_OWNERS);

  async lookup(threadId: string): Promise<string | undefined> {
    return this.owners.get(threadId);
  }

  async record(threadId: string, owner: string): Promise<void> {
    this.owners.set(threadId, owner);
  }
}
