import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  RequestError,
  chatSendSchema,
  parseRequest,
  runCancelSchema,
  threadHistorySchema,
  threadSubscribeSchema,
  threadUnsubscribeSchema,
  type ChatSendRequest,
  type ChatSendResult,
  type RunCancelRequest,
  type ThreadHistoryRequest,
  type ThreadHistoryResult,
  type ThreadSubscribeRequest,
  type ThreadSubscribeResult,
  type ThreadUnsubscribeRequest,
} from '@agent-gateway/events';
import { AgentEngine, type RunHandle } from '@agent-gateway/agent-engine';
import { ThreadEventPublisher, ThreadSubscriptions } from '@agent-gateway/realtime';
import { CHAT_WORKFLOW_OPTIONS, type ResolvedChatWorkflowOptions } from '../chat-workflow.options';
import { SendDeduplicator, type SendIds } from '../dedup/send-deduplicator.service';
import { ConversationHistory } from '../history-cache/conversation-history.service';
import { ThreadOwnership } from '../ownership/thread-ownership.service';
import { KeyedSerialQueue } from '../shared/keyed-serial-queue';
import type { StoredMessage } from '../transcripts/transcript-record';
import type { RequestContext } from './request-context';
import { RunAnswers } from './run-answers.service';
import { UserMessages } from './user-messages.service';

/**
 * The use cases behind the thread requests. Each validates its body, checks that the thread
 * belongs to the caller, and refuses with a `RequestError` the gateway passes on as-is.
 */
@Injectable()
export class ChatWorkflowService {
  private readonly logger = new Logger(ChatWorkflowService.name);
  /** Sends with one clientMessageId run one after another, so a duplicate sees the first one's work. */
  private readonly sendsByClientId = new KeyedSerialQueue();

  constructor(
    @Inject(CHAT_WORKFLOW_OPTIONS) private readonly options: ResolvedChatWorkflowOptions,
    private readonly engine: AgentEngine,
    private readonly publisher: ThreadEventPublisher,
    private readonly subscriptions: ThreadSubscriptions,
    private readonly ownership: ThreadOwnership,
    private readonly conversation: ConversationHistory,
    private readonly dedup: SendDeduplicator,
    private readonly answers: RunAnswers,
    private readonly userMessages: UserMessages,
  ) {}

  /**
   * Subscribes the sender's connection, makes the user message durable, starts the run and
   * answers once the run is accepted. `unavailable` when the message could not be made durable
   * in time: a retry with the same clientMessageId completes the first attempt, never duplicates it.
   */
  async send(ctx: RequestContext, body: ChatSendRequest): Promise<ChatSendResult> {
    const request = parseRequest(chatSendSchema, body);
    // Stopping: refuse before anything is written. A send already past here when shutdown
    // begins is refused by engine.start, and withdraw() takes its message and claims back.
    this.engine.assertAccepting();
    const characters = characterCount(request.text);
    if (characters > this.options.maxMessageChars) {
      throw new RequestError(
        'payload_too_large',
        `text is ${characters} characters; at most ${this.options.maxMessageChars} are accepted`,
      );
    }
    const agent = request.agent ?? this.options.defaultAgent;
    if (!this.engine.hasAgent(agent)) {
      throw new RequestError(
        'not_found',
        `no agent named "${agent}"; available: ${this.engine.agentNames().join(', ')}`,
      );
    }
    // Before anything is subscribed or written: options the agent refuses change nothing.
    this.engine.checkRun(agent, request.options);
    if (request.threadId !== undefined) {
      await this.ownership.assertOwner(request.threadId, ctx.userId);
    }
    const fresh: SendIds = {
      threadId: request.threadId ?? randomUUID(),
      messageId: randomUUID(),
      runId: randomUUID(),
    };
    const clientMessageId = request.clientMessageId;
    if (clientMessageId === undefined) {
      return this.sendOnce(ctx, request, agent, fresh);
    }
    const lockKey = JSON.stringify([ctx.userId, request.threadId ?? null, clientMessageId]);
    return this.sendsByClientId.run(lockKey, async () => {
      const ids = await this.dedup.claimSend(ctx.userId, request.threadId, clientMessageId, fresh);
      return this.sendOnce(ctx, request, agent, ids);
    });
  }

  async subscribe(
    ctx: RequestContext,
    body: ThreadSubscribeRequest,
  ): Promise<ThreadSubscribeResult> {
    const request = parseRequest(threadSubscribeSchema, body);
    await this.ownership.assertOwner(request.threadId, ctx.userId);
    const { lastSeq, replayed, logId } = await this.subscriptions.subscribe(
      ctx.connectionId,
      request.threadId,
      request.afterSeq,
      request.logId,
    );
    return { threadId: request.threadId, lastSeq, replayed, logId };
  }

  async unsubscribe(ctx: RequestContext, body: ThreadUnsubscribeRequest): Promise<void> {
    const request = parseRequest(threadUnsubscribeSchema, body);
    await this.ownership.assertOwner(request.threadId, ctx.userId);
    await Promise.resolve(this.subscriptions.unsubscribe(ctx.connectionId, request.threadId));
  }

  /** The conversation oldest first; the last `limit` messages when a limit is given. */
  async history(ctx: RequestContext, body: ThreadHistoryRequest): Promise<ThreadHistoryResult> {
    const request = parseRequest(threadHistorySchema, body);
    await this.ownership.assertOwner(request.threadId, ctx.userId);
    await this.answers.written(request.threadId, this.options.fileTimeoutMs);
    const messages = await this.conversation.load(request.threadId);
    const wanted = request.limit === undefined ? messages : messages.slice(-request.limit);
    return {
      messages: wanted.map(({ id, role, text, ts, runId }) =>
        runId === undefined ? { id, role, text, ts } : { id, role, text, ts, runId },
      ),
    };
  }

  async cancel(ctx: RequestContext, body: RunCancelRequest): Promise<void> {
    const request = parseRequest(runCancelSchema, body);
    if (!this.engine.cancel(request.runId, ctx.userId)) {
      throw new RequestError('not_found', `no active run ${request.runId} of yours`);
    }
  }

  private async sendOnce(
    ctx: RequestContext,
    request: ChatSendRequest,
    agent: string,
    ids: SendIds,
  ): Promise<ChatSendResult> {
    const message: StoredMessage = {
      id: ids.messageId,
      role: 'user',
      text: request.text,
      ts: Date.now(),
      runId: ids.runId,
      ...(request.clientMessageId === undefined
        ? {}
        : { clientMessageId: request.clientMessageId }),
    };

    // Before anything is written: a connection that cannot follow the thread (the event log does
    // not answer, the connection is closing) is refused with nothing changed. Also for a repeat:
    // the retry may come from a new connection that wants the run's events.
    const { logId } = await this.subscriptions.subscribe(ctx.connectionId, ids.threadId);
    // The numbering the run's seqs will count in, for the client to resume the thread under.
    const answer: ChatSendResult = { ...ids, logId };
    if (request.threadId !== undefined) {
      // A client may send its next message as soon as it sees agent_completed, before the answer
      // is in the transcript: the agent must be given the conversation with that answer in it.
      await this.answers.written(ids.threadId, this.options.fileTimeoutMs);
    }
    const prior = await this.userMessages.makeDurable(
      ctx.userId,
      ids.threadId,
      message,
      request.threadId === undefined,
    );
    if (prior.kind === 'duplicate') return { ...prior.answer, logId };

    // A retry, or a twin on another gateway, may find the run already started by the first attempt.
    if (request.clientMessageId !== undefined && !(await this.dedup.claimRunStart(ids.runId))) {
      return answer;
    }
    let handle: RunHandle;
    try {
      handle = this.engine.start(
        {
          runId: ids.runId,
          threadId: ids.threadId,
          userId: ctx.userId,
          agent,
          input: request.text,
          history: prior.history.map(({ role, text }) => ({ role, text })),
          ...(request.options === undefined ? {} : { options: request.options }),
        },
        this.publisher,
        // The answer on disk before agent_completed goes out: a client that saw the run end
        // finds it in the history, a crash a moment later included.
        { beforeTerminal: (outcome) => this.answers.record(ids.threadId, ids.runId, outcome) },
      );
    } catch (error) {
      await this.withdraw(ctx, request, ids);
      throw error;
    }
    this.answers.track(ids.runId, handle.done);
    return answer;
  }

  /** The run was refused after the message was written (shutdown began, or its id is running): take the message back, forget the claim. */
  private async withdraw(
    ctx: RequestContext,
    request: ChatSendRequest,
    ids: SendIds,
  ): Promise<void> {
    await this.conversation
      .retract(ids.threadId, ids.messageId)
      .catch((error: unknown) =>
        this.logger.warn(
          `Could not withdraw message ${ids.messageId} of a refused run: ${String(error)}`,
        ),
      );
    if (request.clientMessageId !== undefined) {
      await this.dedup.forgetSend(ctx.userId, request.threadId, request.clientMessageId);
      await this.dedup.forgetRunStart(ids.runId);
    }
  }
}

/**
 * Characters as a user counts them: code points, so an emoji (two UTF-16 units) counts once,
 * as `MAX_MESSAGE_CHARS` promises.
 */
function characterCount(text: string): number {
  let count = text.length;
  for (let index = 0; index < text.length - 1; index++) {
    const unit = text.charCodeAt(index);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        count -= 1;
        index += 1;
      }
    }
  }
  return count;
}
