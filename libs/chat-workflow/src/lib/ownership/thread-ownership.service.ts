import { Inject, Injectable, Logger } from '@nestjs/common';
import { RequestError } from '@agent-gateway/events';
import { CHAT_WORKFLOW_OPTIONS, type ResolvedChatWorkflowOptions } from '../chat-workflow.options';
import { BackgroundWork } from '../shared/background-work.service';
import { TimeoutError } from '../shared/timeout.error';
import { TranscriptStore } from '../transcripts/transcript.store';
import { OWNER_DIRECTORY, type OwnerDirectory } from './owner-directory';

/**
 * Who owns which thread. The owner is written durably as the first record of the thread's
 * transcript, in the same atomic create as its first message; creation is exclusive across
 * processes sharing DATA_DIR (see `createExclusive`), so no second owner can ever appear. The
 * owner directory (in process, or Redis shared by the gateways) answers before the file is read.
 */
@Injectable()
export class ThreadOwnership {
  private readonly logger = new Logger(ThreadOwnership.name);

  constructor(
    private readonly transcripts: TranscriptStore,
    @Inject(OWNER_DIRECTORY) private readonly directory: OwnerDirectory,
    private readonly background: BackgroundWork,
    @Inject(CHAT_WORKFLOW_OPTIONS) private readonly options: ResolvedChatWorkflowOptions,
  ) {}

  /**
   * Throws `not_found` for an unknown thread, `forbidden` for someone else's, `unavailable` when
   * the disk is too slow to tell.
   */
  async assertOwner(threadId: string, userId: string): Promise<void> {
    const owner = await this.ownerOf(threadId);
    if (owner === undefined) {
      throw new RequestError('not_found', `thread ${threadId} does not exist`);
    }
    if (owner !== userId) {
      throw new RequestError('forbidden', `thread ${threadId} belongs to another user`);
    }
  }

  /**
   * Records the owner of a thread whose transcript was just created (so it is durable). Both
   * directories put it in process memory before their first await, so the next request already
   * sees it; only the Redis copy follows in the background.
   */
  remember(threadId: string, owner: string): void {
    this.background.run(`recording the owner of thread ${threadId}`, () =>
      this.directory.record(threadId, owner),
    );
  }

  private async ownerOf(threadId: string): Promise<string | undefined> {
    const listed = await this.directory.lookup(threadId);
    if (listed !== undefined) return listed;
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
    if (owner !== undefined) this.remember(threadId, owner);
    return owner;
  }
}
