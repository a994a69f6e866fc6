import { Inject, Injectable, Logger } from '@nestjs/common';
import { RequestError, isDurableEventType, type EventEnvelope } from '@agent-gateway/events';
import { ConnectionRegistry, type Connection } from '../connections/connection-registry.service';
import { cutOffConnection } from '../connections/cut-off';
import { EVENT_LOG_STORE, type EventLogStore } from '../event-log/event-log.store';
import type { LoggedEventNotice } from '../fanout/thread-event-bus';
import { DeliveryMetrics } from '../metrics/delivery.metrics';
import { ThreadCursor } from './thread-cursor';

export interface SubscribeResult {
  lastSeq: number;
  replayed: number;
  /** The numbering the thread's seqs belong to (`LogPosition`). */
  logId: string;
}

/** What a client is advised to wait before subscribing again when the event log did not answer. */
const LOG_RETRY_AFTER_MS = 1000;

/** Events read from the log per round trip while catching up. */
const REPLAY_PAGE = 500;

/**
 * How far a catch-up fills a connection's outbox, and how many live events a cursor holds while
 * it catches up: half the outbox, so that a replay never leaves it too full for live events.
 */
function replayLevel(connection: Connection): number {
  return Math.max(1, Math.floor(connection.outbox.capacity / 2));
}

/**
 * Which connection follows which thread, and the delivery of each thread's events to them:
 * replay from the log on subscribe, then live events with no gap and no duplicate at the seam.
 */
@Injectable()
export class ThreadSubscriptions {
  private readonly logger = new Logger(ThreadSubscriptions.name);
  /** threadId → connectionId → cursor */
  private readonly byThread = new Map<string, Map<string, ThreadCursor>>();
  /** connectionId → threadIds */
  private readonly byConnection = new Map<string, Set<string>>();

  constructor(
    private readonly connections: ConnectionRegistry,
    @Inject(EVENT_LOG_STORE) private readonly log: EventLogStore,
    private readonly metrics: DeliveryMetrics,
  ) {
    connections.onConnectionClosed((connection) => this.removeConnection(connection.id));
  }

  /**
   * Follows `threadId` on `connectionId`: with `afterSeq`, every logged event after it first,
   * then live ones; without, live events from now, or, when the connection already follows the
   * thread, exactly as before (its cursor is kept: replacing it would drop what arrives while the
   * log is asked for its last seq). The event log not answering is `unavailable`, and leaves no
   * half-made subscription behind: events held for a cursor that never catches up are lost.
   * `logId`, the numbering the client's `afterSeq` counts in: another than the log's means it
   * saw none of this numbering's events, and is replayed them all, as is a client ahead of it.
   */
  async subscribe(
    connectionId: string,
    threadId: string,
    afterSeq?: number,
    logId?: string,
  ): Promise<SubscribeResult> {
    const connection = this.connections.get(connectionId);
    if (!connection)
      throw new RequestError(
        'unavailable',
        'the connection is closing; reconnect and subscribe again',
      );
    const current = this.byThread.get(threadId)?.get(connectionId);
    if (current && afterSeq === undefined) {
      const position = await this.fromLog(threadId, () => this.log.position(threadId));
      return {
        lastSeq: Math.max(position.lastSeq, current.nextSeq - 1),
        replayed: 0,
        logId: position.logId,
      };
    }
    const cursor = new ThreadCursor();
    this.attach(connectionId, threadId, cursor);
    try {
      const position = await this.fromLog(threadId, () => this.log.position(threadId));
      const { lastSeq } = position;
      let replayed = 0;
      if (afterSeq === undefined) {
        cursor.nextSeq = lastSeq + 1;
      } else {
        // A client ahead of the log, or one that names another numbering, saw seqs of a log since
        // lost (an in-process gateway restarted): every event the log now holds is new to it, and
        // is replayed. A client that keeps to the contract's "drop a seq you have seen" loses
        // nothing by it: at worst it drops them.
        const lost = afterSeq > lastSeq || (logId !== undefined && logId !== position.logId);
        cursor.nextSeq = lost ? 1 : afterSeq + 1;
        replayed = await this.fromLog(threadId, () =>
          this.catchUp(connection, threadId, cursor, lastSeq, false),
        );
        if (cursor.nextSeq <= lastSeq && !cursor.cancelled) {
          // More than half an outbox: the rest follows the reply, at the client's pace, as a
          // repair up to `lastSeq`. Waiting for it here would hold the reply past any client's
          // request timeout (10 s in the SDK and the chat page) on a long replay.
          replayed += lastSeq - cursor.nextSeq + 1;
          cursor.announcedSeq = Math.max(cursor.announcedSeq, lastSeq);
        }
      }
      this.releaseHeld(connection, threadId, cursor);
      return { lastSeq: Math.max(lastSeq, cursor.nextSeq - 1), replayed, logId: position.logId };
    } catch (error) {
      this.detach(connectionId, threadId, cursor);
      throw error;
    }
  }

  /**
   * `read` of the event log; its failure (Redis slow or unreachable) becomes `unavailable`, with
   * the message logged here: the caller's client only needs to know to try again.
   */
  private async fromLog<T>(threadId: string, read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      if (error instanceof RequestError) throw error;
      this.logger.warn(`event log of thread ${threadId} unavailable: ${String(error)}`);
      throw new RequestError(
        'unavailable',
        'the event log did not answer in time; subscribe again shortly',
        LOG_RETRY_AFTER_MS,
      );
    }
  }

  unsubscribe(connectionId: string, threadId: string): void {
    const cursors = this.byThread.get(threadId);
    const cursor = cursors?.get(connectionId);
    cursor?.cancel();
    cursors?.delete(connectionId);
    if (cursors?.size === 0) this.byThread.delete(threadId);
    const threads = this.byConnection.get(connectionId);
    threads?.delete(threadId);
    if (threads?.size === 0) this.byConnection.delete(connectionId);
  }

  isSubscribed(connectionId: string, threadId: string): boolean {
    return this.byThread.get(threadId)?.has(connectionId) ?? false;
  }

  /** Number of (connection, thread) subscriptions; for metrics and leak tests. */
  get size(): number {
    let total = 0;
    for (const cursors of this.byThread.values()) total += cursors.size;
    return total;
  }

  /** Hands one sequenced event to every connection of this process that follows its thread. */
  dispatch(envelope: EventEnvelope): void {
    const cursors = this.byThread.get(envelope.threadId);
    if (!cursors) return;
    const durable = isDurableEventType(envelope.type);
    for (const [connectionId, cursor] of cursors) {
      const connection = this.connections.get(connectionId);
      if (!connection) continue;
      if (!durable) {
        if (!cursor.catchingUp) {
          connection.outbox.offerEphemeral(envelope as EventEnvelope<'agent_progress'>);
        }
        continue;
      }
      this.deliverDurable(connection, envelope, cursor);
    }
  }

  /**
   * A durable event announced without its payload (see `LoggedEventNotice`): every connection
   * of this process that follows the thread and has not had it yet reads it from the log.
   */
  dispatchNotice(notice: LoggedEventNotice): void {
    const cursors = this.byThread.get(notice.threadId);
    if (!cursors) return;
    for (const [connectionId, cursor] of cursors) {
      const connection = this.connections.get(connectionId);
      if (!connection || notice.seq < cursor.nextSeq) continue;
      if (cursor.catchingUp) {
        cursor.announcedSeq = Math.max(cursor.announcedSeq, notice.seq);
        continue;
      }
      this.startRepair(connection, notice.threadId, cursor, notice.seq);
    }
  }

  /**
   * Compares every thread followed here with its log, and reads what a cursor is missing: after
   * the bus may have lost messages (see `ThreadEventBus.subscribeLosses`), the last events of a
   * run would otherwise wait for the thread's next event. Never rejects; a log that does not
   * answer is logged, and that thread is checked again at its next event.
   */
  async checkFollowedThreads(): Promise<void> {
    await Promise.all(
      [...this.byThread.keys()].map(async (threadId) => {
        try {
          const seq = await this.log.lastSeq(threadId);
          if (seq > 0) this.dispatchNotice({ threadId, seq });
        } catch (error) {
          this.logger.warn(`could not check thread ${threadId} against its log: ${String(error)}`);
        }
      }),
    );
  }

  private deliverDurable(
    connection: Connection,
    envelope: EventEnvelope,
    cursor: ThreadCursor,
  ): void {
    if (cursor.catchingUp) {
      // Held in memory only up to what the outbox could take at once: the log has every one,
      // and the catch-up reads on from it to the last one announced.
      if (cursor.held.length < replayLevel(connection)) cursor.held.push(envelope);
      else cursor.announcedSeq = Math.max(cursor.announcedSeq, envelope.seq);
      return;
    }
    if (envelope.seq < cursor.nextSeq) return;
    if (envelope.seq === cursor.nextSeq) {
      connection.outbox.enqueue(envelope);
      cursor.nextSeq += 1;
      return;
    }
    // A gap: an event this process was never told about (lost or late pub/sub message, or a
    // concurrent append). It is in the log, so read it from there before going on.
    cursor.held.push(envelope);
    this.startRepair(connection, envelope.threadId, cursor, envelope.seq - 1);
  }

  private startRepair(
    connection: Connection,
    threadId: string,
    cursor: ThreadCursor,
    uptoSeq: number,
  ): void {
    cursor.catchingUp = true;
    this.repairGap(connection, threadId, cursor, uptoSeq).catch((error: unknown) => {
      this.logger.error(
        `could not repair a gap in thread ${threadId}; cutting off ${connection.id}`,
        error as Error,
      );
      // Its client reconnects and resumes from the log, which is where the repair failed.
      cutOffConnection(connection.socket);
    });
  }

  private async repairGap(
    connection: Connection,
    threadId: string,
    cursor: ThreadCursor,
    uptoSeq: number,
  ): Promise<void> {
    await this.catchUp(connection, threadId, cursor, uptoSeq);
    if (cursor.nextSeq <= uptoSeq && !cursor.cancelled) {
      // Past retention: the log no longer holds them. Say so, and go on rather than stall.
      this.logger.warn(
        `thread ${threadId}: events ${cursor.nextSeq}..${uptoSeq} are no longer retained`,
      );
      cursor.nextSeq = uptoSeq + 1;
    }
    this.releaseHeld(connection, threadId, cursor);
  }

  /**
   * Sends every logged event from `cursor.nextSeq` up to `uptoSeq`, in pages, at the client's
   * pace: it fills the outbox to `replayLevel` at most, and goes on as the client acknowledges.
   * A replay longer than the outbox holds (a client back after a busy hour) would otherwise cut
   * off its own client (`outbox_full`), which would resume and be cut off again; the other half
   * is left to the live events of the connection's other threads.
   */
  private async catchUp(
    connection: Connection,
    threadId: string,
    cursor: ThreadCursor,
    uptoSeq: number,
    wait = true,
  ): Promise<number> {
    const outbox = connection.outbox;
    let sent = 0;
    pages: while (cursor.nextSeq <= uptoSeq && !cursor.cancelled) {
      const page = await this.log.readAfter(threadId, cursor.nextSeq - 1, REPLAY_PAGE);
      if (page.length === 0 || cursor.cancelled) break;
      for (const envelope of page) {
        if (envelope.seq < cursor.nextSeq) continue;
        if (outbox.queued >= replayLevel(connection)) {
          if (!wait) break pages;
          await outbox.whenQueuedBelow(replayLevel(connection), cursor.signal);
          if (cursor.cancelled) break;
        }
        outbox.enqueue(envelope);
        cursor.nextSeq = envelope.seq + 1;
        sent += 1;
      }
    }
    this.metrics.replayedEvents.inc(sent);
    return sent;
  }

  /**
   * Ends a catch-up: what arrived live meanwhile goes out in order, past the seam only. An event
   * announced meanwhile that the catch-up did not reach is read from the log first.
   */
  private releaseHeld(connection: Connection, threadId: string, cursor: ThreadCursor): void {
    if (cursor.cancelled) return;
    const level = replayLevel(connection);
    if (cursor.held.length > 0 && connection.outbox.queued + cursor.held.length > level) {
      // No room for them all at once: read them from the log at the client's pace instead.
      for (const envelope of cursor.held) {
        cursor.announcedSeq = Math.max(cursor.announcedSeq, envelope.seq);
      }
      cursor.held = [];
    }
    if (cursor.announcedSeq >= cursor.nextSeq) {
      const announced = cursor.announcedSeq;
      cursor.announcedSeq = 0;
      return this.startRepair(connection, threadId, cursor, announced);
    }
    const held = cursor.held.sort((a, b) => a.seq - b.seq);
    cursor.held = [];
    cursor.catchingUp = false;
    for (const envelope of held) {
      if (cursor.catchingUp) cursor.held.push(envelope);
      else this.deliverDurable(connection, envelope, cursor);
    }
  }

  private attach(connectionId: string, threadId: string, cursor: ThreadCursor): void {
    let cursors = this.byThread.get(threadId);
    if (!cursors) {
      cursors = new Map();
      this.byThread.set(threadId, cursors);
    }
    const previous = cursors.get(connectionId);
    previous?.cancel();
    cursors.set(connectionId, cursor);
    let threads = this.byConnection.get(connectionId);
    if (!threads) {
      threads = new Set();
      this.byConnection.set(connectionId, threads);
    }
    threads.add(threadId);
  }

  /** Removes `cursor`, unless it was replaced meanwhile. */
  private detach(connectionId: string, threadId: string, cursor: ThreadCursor): void {
    cursor.cancel();
    if (this.byThread.get(threadId)?.get(connectionId) === cursor) {
      this.unsubscribe(connectionId, threadId);
    }
  }

  private removeConnection(connectionId: string): void {
    for (const threadId of [...(this.byConnection.get(connectionId) ?? [])]) {
      this.unsubscribe(connectionId, threadId);
    }
  }
}
