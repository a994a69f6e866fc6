import { Inject, Injectable, Logger } from '@nestjs/common';
import { RequestError, type ChatSendResult } from '@agent-gateway/events';
import { CHAT_WORKFLOW_OPTIONS, type ResolvedChatWorkflowOptions } from '../chat-workflow.options';
import { ConversationHistory } from '../history-cache/conversation-history.service';
import { ThreadOwnership } from '../ownership/thread-ownership.service';
import { TimeoutError } from '../shared/timeout.error';
import type { StoredMessage } from '../transcripts/transcript-record';

export type DurableOutcome =
  /** The message is durable now (or was already, from an earlier attempt); `history` precedes it. */
  | { kind: 'new'; history: readonly StoredMessage[] }
  /** The transcript already holds this clientMessageId under other ids: answer those. */
  | { kind: 'duplicate'; answer: Omit<ChatSendResult, 'logId'> };

/**
 * The step `chat:send` may not answer ok without: the user message durable on disk. Idempotent
 * for a given message id, so a retry only writes what its first attempt did not.
 */
@Injectable()
export class UserMessages {
  private readonly logger = new Logger(UserMessages.name);

  constructor(
    private readonly conversation: ConversationHistory,
    private readonly ownership: ThreadOwnership,
    @Inject(CHAT_WORKFLOW_OPTIONS) private readonly options: ResolvedChatWorkflowOptions,
  ) {}

  /**
   * Writes `message` durably, creating the thread (owned by `userId`) when `createsThread`.
   * Throws `unavailable` when the disk does not confirm in time.
   */
  async makeDurable(
    userId: string,
    threadId: string,
    message: StoredMessage,
    createsThread: boolean,
  ): Promise<DurableOutcome> {
    try {
      return createsThread
        ? await this.createThread(userId, threadId, message)
        : await this.appendOnce(threadId, message);
    } catch (error) {
      if (!(error instanceof TimeoutError)) throw error;
      this.logger.warn(
        `Message ${message.id} for thread ${threadId} not durable in time: ${error.message}`,
      );
      throw new RequestError(
        'unavailable',
        'the message could not be stored in time; send it again with the same clientMessageId',
        this.options.fileTimeoutMs,
      );
    }
  }

  private async createThread(
    userId: string,
    threadId: string,
    message: StoredMessage,
  ): Promise<DurableOutcome> {
    const created = await this.conversation.create(threadId, userId, [message]);
    if (created === 'exists') {
      // A retry: the first attempt's create wrote this message together with the thread.
      await this.ownership.assertOwner(threadId, userId);
    }
    this.ownership.remember(threadId, userId);
    return { kind: 'new', history: [] };
  }

  private async appendOnce(threadId: string, message: StoredMessage): Promise<DurableOutcome> {
    const history = await this.conversation.load(threadId);
    const earlier =
      message.clientMessageId === undefined
        ? undefined
        : history.find(
            (entry) => entry.role === 'user' && entry.clientMessageId === message.clientMessageId,
          );
    if (earlier?.runId !== undefined && earlier.id !== message.id) {
      // The claim was forgotten (expired, restart, Redis lost it) but the transcript remembers.
      return {
        kind: 'duplicate',
        answer: { threadId, messageId: earlier.id, runId: earlier.runId },
      };
    }
    if (!earlier) await this.conversation.append(threadId, [message]);
    return { kind: 'new', history: history.filter((entry) => entry.id !== message.id) };
  }
}
