import { Inject, Injectable, Logger } from '@nestjs/common';
import { RequestError } from '@agent-gateway/events';
import { CHAT_WORKFLOW_OPTIONS, type ResolvedChatWorkflowOptions } from '../chat-workflow.options';
import { LruMap } from '../shared/lru-map';
import { TimeoutError } from '../shared/timeout.error';
import { TranscriptStore } from '../transcripts/transcript.store';

/** Owners remembered per process; an owner never changes, so a remembered one is never stale. */
const REMEMBERED_OWNERS = 100_000;

/**
 * Who owns which thread. The owner is written durably as the first record of the thread's
 * transcript, in the same atomic create as its first message; creation is exclusive across
 * processes sharing DATA_DIR (see `createExclusive`), so no second owner can ever appear.
 */
@Injectable()
export class ThreadOwnership {
  private readonly logger = new Logger(ThreadOwnership.name);
  private readonly owners = new LruMap<string, string>(REMEMBERED_OWNERS);

  constructor(
    private readonly transcripts: TranscriptStore,
    @Inject(CHAT_WORKFLOW_OPTIONS) private readonly options: ResolvedChatWorkflowOptions,
  ) {}

  /** Throws `not_found` for an unknown thread, `forbidden` for someone else's, `unavailable` when the disk is too slow to tell. */
  async assertOwner(threadId: string, userId: string): Promise<void> {
    const owner = await this.ownerOf(threadId);
    if (owner === undefined)
      throw new RequestError('not_found', `thread ${threadId} does not exist`);
    if (owner !== userId) {
      throw new RequestError('forbidden', `thread ${threadId} belongs to another user`);
    }
  }

  /** Records the owner of a thread this process just created. */
  remember(threadId: string, owner: string): void {
    this.owners.set(threadId, owner);
  }

  private async ownerOf(threadId: string): Promise<string | undefined> {
    const remembered = this.owners.get(threadId);
    if (remembered !== undefined) return remembered;
    let owner: string | undefined;
    try {
      owner = await this.transcripts.readOwner(threadId);
    } catch (error) {
      if (!(error instanceof TimeoutError)) throw error;
      this.logger.warn(`Owner of thread ${threadId} unknown: ${error.message}`);
      throw new RequestError(
        'unavailable',
        'the conversation store is slow to answer; try again shortly',
        this.options.fileTimeoutMs,
      );
    }
    if (owner !== undefined) this.owners.set(threadId, owner);
    return owner;
  }
}
