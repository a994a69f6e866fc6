import { Inject, Injectable } from '@nestjs/common';
import { CHAT_WORKFLOW_OPTIONS, type ResolvedChatWorkflowOptions } from '../chat-workflow.options';
import { CLAIM_STORE, type ClaimStore } from './claim.store';

/** The ids one `chat:send` hands out; a retry with the same clientMessageId gets the same ones. */
export interface SendIds {
  threadId: string;
  messageId: string;
  runId: string;
}

/**
 * De-duplicates `chat:send` by clientMessageId. The first attempt fixes the thread, message and
 * run ids; every later attempt reuses them, so it can only redo what is missing (write the
 * message if it never became durable) and never makes a second message or a second run.
 */
@Injectable()
export class SendDeduplicator {
  constructor(
    @Inject(CLAIM_STORE) private readonly claims: ClaimStore,
    @Inject(CHAT_WORKFLOW_OPTIONS) private readonly options: ResolvedChatWorkflowOptions,
  ) {}

  /**
   * The ids of this clientMessageId's first attempt: `proposal` when this is the first, else the
   * ones the first attempt fixed. `threadId` undefined for a send that creates its thread.
   */
  async claimSend(
    userId: string,
    threadId: string | undefined,
    clientMessageId: string,
    proposal: SendIds,
  ): Promise<SendIds> {
    const claim = await this.claims.claim(
      sendKey(userId, threadId, clientMessageId),
      JSON.stringify(proposal),
      this.options.dedupTtlMs,
    );
    if (claim.won) return proposal;
    return parseIds(claim.value) ?? proposal;
  }

  /** True for exactly one caller per run id: only that one starts the run. */
  async claimRunStart(runId: string): Promise<boolean> {
    const claim = await this.claims.claim(`run:${runId}`, 'started', this.options.dedupTtlMs);
    return claim.won;
  }

  async forgetRunStart(runId: string): Promise<void> {
    await this.claims.release(`run:${runId}`);
  }

  /** Forgets a send that was refused, so a corrected retry is a new request. */
  async forgetSend(
    userId: string,
    threadId: string | undefined,
    clientMessageId: string,
  ): Promise<void> {
    await this.claims.release(sendKey(userId, threadId, clientMessageId));
  }
}

/** The key is per user and thread: only a thread's owner may send on it, and ids of others never mix. */
export function sendKey(
  userId: string,
  threadId: string | undefined,
  clientMessageId: string,
): string {
  return `send:${JSON.stringify([userId, threadId ?? null, clientMessageId])}`;
}

function parseIds(value: string): SendIds | undefined {
  try {
    const ids = JSON.parse(value) as Partial<SendIds>;
    if (
      typeof ids.threadId === 'string' &&
      typeof ids.messageId === 'string' &&
      typeof ids.runId === 'string'
    ) {
      return { threadId: ids.threadId, messageId: ids.messageId, runId: ids.runId };
    }
  } catch {
    // A value this version cannot read: handled as no claim.
  }
  return undefined;
}
