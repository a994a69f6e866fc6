import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import {
  decodeEnvelope,
  type ChatSendRequest,
  type ChatSendResult,
  type ClientToServerEvents,
  type DecodedEventEnvelope,
  type EventEnvelope,
  type HandshakeAuth,
  type Reply,
  type ServerToClientEvents,
  type ThreadHistoryResult,
  type ThreadSubscribeResult,
} from '@agent-gateway/events';
import { GatewayRequestError } from './gateway-request-error';
import { ThreadTracker } from './thread-tracker';

export type GatewaySocketClient = Socket<ServerToClientEvents, ClientToServerEvents>;
export type EnvelopeListener = (envelope: DecodedEventEnvelope) => void;
/** Told of an error thrown by an `onEvent` listener, and of an envelope that could not be decoded. */
export type ClientErrorListener = (error: unknown, envelope: EventEnvelope) => void;

export interface AgentGatewayClientOptions {
  auth: HandshakeAuth;
  /** How long a request waits for its reply before failing with `unavailable`. */
  requestTimeoutMs?: number;
  socket?: Partial<ManagerOptions & SocketOptions>;
}

/**
 * Handshake refusals after which the client does not try again by itself: its credentials are
 * wrong or expired, and only the application can get new ones. Any other (`server_full`: a full
 * or stopping gateway) passes.
 */
const FINAL_HANDSHAKE_REFUSALS: ReadonlySet<string> = new Set(['unauthorized']);

/** Refusals after which a thread is not asked for again on the next reconnect. */
const FINAL_REFUSALS: ReadonlySet<string> = new Set(['forbidden', 'not_found', 'invalid_request']);

/**
 * The typed client of the wire contract. It acknowledges every event, hands each durable event
 * to the application exactly once and in order, and after a reconnect resumes every thread it
 * follows from the last `seq` it saw, so nothing is lost across a dropped connection. It comes
 * back by itself after the gateway cuts it off or stops (after the `reconnectAfterMs` that
 * `server:shutdown` advises), but not after `session:evicted`.
 */
export class AgentGatewayClient {
  readonly socket: GatewaySocketClient;
  private readonly tracker = new ThreadTracker();
  private readonly listeners = new Set<EnvelopeListener>();
  private readonly errorListeners = new Set<ClientErrorListener>();
  /** Per thread with a `thread:subscribe` in flight, its events held until the reply says where it stands. */
  private readonly holding = new Map<string, { requests: number; held: DecodedEventEnvelope[] }>();
  private readonly requestTimeoutMs: number;
  private hasConnected = false;
  private connections = 0;
  private evicted = false;
  private closed = false;
  /** When `server:shutdown` said to come back (epoch ms), until the disconnect that follows. */
  private comeBackAt: number | undefined;
  private comeBackTimer: ReturnType<typeof setTimeout> | undefined;
  /** Pending `connected()` calls, rejected by `close`. */
  private readonly waiters = new Set<() => void>();
  /** Handshakes refused in a row since the last connection, for the delay before the next. */
  private refusedHandshakes = 0;
  /** The refusal after which this client stopped trying, until it connects again. */
  private refusedWith: string | undefined;
  /** Resolvers of the waits between resume attempts, ended by `close`. */
  private readonly pauses = new Set<() => void>();
  /** Per followed thread whose resume on the current connection has not ended, its end. */
  private readonly resumes = new Map<string, Promise<void>>();

  constructor(url: string, options: AgentGatewayClientOptions) {
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.socket = io(url, { ...options.socket, auth: { ...options.auth } });
    this.socket.on('agent:event', (envelope, ack) => {
      try {
        this.receive([envelope]);
      } finally {
        ack?.();
      }
    });
    this.socket.on('agent:events', (envelopes, ack) => {
      try {
        this.receive(envelopes);
      } finally {
        ack?.();
      }
    });
    this.socket.on('connect', () => {
      this.connections += 1;
      this.refusedHandshakes = 0;
      this.refusedWith = undefined;
      // Connected again all the same (the application called `socket.connect()`): not evicted now.
      this.evicted = false;
      if (this.hasConnected) void this.resumeAll(this.connections);
      this.hasConnected = true;
    });
    this.socket.on('session:evicted', () => {
      this.evicted = true;
    });
    this.socket.on('server:shutdown', ({ reconnectAfterMs }) => {
      this.comeBackAt = Date.now() + reconnectAfterMs;
    });
    this.socket.on('disconnect', (reason) => this.onDisconnect(reason));
    this.socket.on('connect_error', (error) => this.onConnectError(error));
  }

  /**
   * Resolves once connected; rejects with the handshake's refusal (`unauthorized`, `server_full`)
   * or a failed connection attempt, and at once when nothing will connect any more: the client
   * is closed, evicted, or was refused and is not trying again. `close` rejects a pending one.
   */
  connected(): Promise<void> {
    if (this.socket.connected) return Promise.resolve();
    const idle = this.idleReason();
    if (idle !== undefined) return Promise.reject(new Error(idle));
    return new Promise((resolve, reject) => {
      const settle = (): void => {
        this.socket.off('connect', onConnect);
        this.socket.off('connect_error', onError);
        this.waiters.delete(onClose);
      };
      const onConnect = (): void => {
        settle();
        resolve();
      };
      const onError = (error: Error): void => {
        settle();
        reject(error);
      };
      const onClose = (): void => {
        settle();
        reject(new Error('the client was closed before it connected'));
      };
      this.socket.once('connect', onConnect);
      this.socket.once('connect_error', onError);
      this.waiters.add(onClose);
    });
  }

  /** Why no connection is coming, or `undefined` while one may. */
  private idleReason(): string | undefined {
    if (this.closed) return 'the client is closed';
    if (this.evicted) return 'the client was evicted (session:evicted): it does not reconnect';
    // socket.io-client keeps a socket active while it connects or retries by itself.
    if (this.refusedWith !== undefined && !this.socket.active && this.comeBackTimer === undefined) {
      return `not connecting: the gateway refused the handshake (${this.refusedWith})`;
    }
    return undefined;
  }

  onEvent(listener: EnvelopeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Errors thrown by `onEvent` listeners land here (with the envelope), not in the socket's
   * handler: the other listeners still see the event, it is acknowledged and not handed out
   * again. Without any error listener they are written to `console.error`.
   */
  onError(listener: ClientErrorListener): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  /** The seq a resume of this thread asks after (the last durable seq handed out, or where the subscription began). */
  lastSeq(threadId: string): number | undefined {
    return this.tracker.lastSeq(threadId);
  }

  /**
   * On an existing thread this client does not follow yet, it subscribes first, so that it
   * stands at the thread's last seq and a reconnect resumes this run from its first event. On a
   * thread it follows, it waits until the thread is resumed on the current connection: a
   * `chat:send` subscribes the connection at the thread's end, and sent before the resume (as
   * socket.io would send one made while offline, first thing on reconnecting) the run's events
   * would go out ahead of the replay of what was missed, which then came too late.
   */
  async send(request: ChatSendRequest): Promise<ChatSendResult> {
    if (request.threadId !== undefined) {
      if (this.tracker.follows(request.threadId)) await this.resumed(request.threadId);
      else await this.openSubscription(request.threadId, undefined);
    }
    const result = await this.request('chat:send', request);
    this.tracker.followNew(result.threadId, result.logId);
    return result;
  }

  /** Follows the thread once the gateway accepted: a refused thread is not asked for again. */
  subscribe(threadId: string, afterSeq?: number): Promise<ThreadSubscribeResult> {
    return this.openSubscription(threadId, afterSeq);
  }

  async unsubscribe(threadId: string): Promise<void> {
    this.tracker.unfollow(threadId);
    await this.request('thread:unsubscribe', { threadId });
  }

  history(threadId: string, limit?: number): Promise<ThreadHistoryResult> {
    return this.request('thread:history', limit === undefined ? { threadId } : { threadId, limit });
  }

  async cancel(runId: string): Promise<void> {
    await this.request('run:cancel', { runId });
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.comeBackTimer);
    for (const done of this.pauses) done();
    this.pauses.clear();
    this.socket.close();
    for (const reject of [...this.waiters]) reject();
  }

  /**
   * socket.io-client retries a connection attempt that failed by itself (the socket stays
   * active), but gives up on a handshake the gateway refused. A client that was connected
   * before tries again, after a growing delay with jitter, unless the refusal is final
   * (`unauthorized`): a full gateway, or one stopping in a rolling restart, has room again soon.
   * A first connection that is refused is the application's to retry (`connected()` rejects).
   */
  private onConnectError(error: Error): void {
    if (this.socket.active || this.closed || this.evicted) return;
    const final = FINAL_HANDSHAKE_REFUSALS.has(error.message) || !this.socket.io.reconnection();
    if (final || !this.hasConnected) {
      this.refusedWith = error.message;
      return;
    }
    const delay = retryDelayMs(
      undefined,
      this.refusedHandshakes++,
      this.socket.io.reconnectionDelayMax(),
      this.socket.io.reconnectionDelay(),
    );
    clearTimeout(this.comeBackTimer);
    this.comeBackTimer = setTimeout(() => {
      this.comeBackTimer = undefined;
      if (!this.closed) this.socket.connect();
    }, delay);
  }

  /**
   * socket.io-client comes back by itself after a dropped transport, but not after the server
   * disconnected the socket (`io server disconnect`): then, unless evicted, this client does. After
   * `server:shutdown` it waits for the advised time either way, rather than knocking at a
   * gateway that is stopping (and refuses new handshakes).
   */
  private onDisconnect(reason: string): void {
    const comeBackAt = this.comeBackAt;
    this.comeBackAt = undefined;
    if (this.closed || this.evicted || reason === 'io client disconnect') return;
    if (!this.socket.io.reconnection()) return;
    if (comeBackAt === undefined && reason !== 'io server disconnect') return;
    const delay =
      comeBackAt === undefined
        ? this.socket.io.reconnectionDelay()
        : Math.max(0, comeBackAt - Date.now());
    // Stops socket.io-client's own attempt, if it scheduled one; the timer below replaces it.
    this.socket.disconnect();
    clearTimeout(this.comeBackTimer);
    this.comeBackTimer = setTimeout(() => {
      this.comeBackTimer = undefined;
      if (!this.closed) this.socket.connect();
    }, delay);
  }

  private receive(envelopes: EventEnvelope[]): void {
    for (const envelope of envelopes) {
      let decoded: DecodedEventEnvelope;
      try {
        decoded = decodeEnvelope(envelope);
      } catch (error) {
        this.reportError(error, envelope);
        continue;
      }
      const holding = this.holding.get(decoded.threadId);
      if (holding) holding.held.push(decoded);
      else this.deliver(decoded);
    }
  }

  private deliver(envelope: DecodedEventEnvelope): void {
    if (!this.tracker.accept(envelope)) return;
    for (const listener of this.listeners) {
      try {
        listener(envelope);
      } catch (error) {
        this.reportError(error, envelope);
      }
    }
  }

  private reportError(error: unknown, envelope: EventEnvelope): void {
    if (this.errorListeners.size === 0) {
      console.error('@agent-gateway/client: an event listener failed', error);
      return;
    }
    for (const listener of this.errorListeners) {
      try {
        listener(error, envelope);
      } catch (failure) {
        console.error('@agent-gateway/client: an error listener failed', failure);
      }
    }
  }

  /**
   * `thread:subscribe`, with the thread's events held until the reply: it says where the
   * subscription stands (and whether the gateway lost the thread's log), which decides what is a
   * repeat among events that may arrive before it.
   */
  private async openSubscription(
    threadId: string,
    afterSeq: number | undefined,
  ): Promise<ThreadSubscribeResult> {
    const release = this.hold(threadId);
    const askedAt = this.tracker.mark();
    // With afterSeq, the numbering it counts in: a gateway that lost the log since replays it all.
    const logId = afterSeq === undefined ? undefined : this.tracker.logIdOf(threadId);
    try {
      const result = await this.request(
        'thread:subscribe',
        afterSeq === undefined
          ? { threadId }
          : logId === undefined
            ? { threadId, afterSeq }
            : { threadId, afterSeq, logId },
      );
      this.tracker.subscribed(threadId, afterSeq, result, askedAt);
      return result;
    } finally {
      release();
    }
  }

  /**
   * Holds the thread's events until the returned release is called (once per hold; calling it
   * again does nothing). The last release hands them out in `seq` order: a resume's replay may
   * arrive after live events a newer subscription of the thread already sent (a `chat:send` on
   * it opens one), and in arrival order the replayed ones would be taken for repeats.
   */
  private hold(threadId: string): () => void {
    const holding = this.holding.get(threadId) ?? { requests: 0, held: [] };
    holding.requests += 1;
    this.holding.set(threadId, holding);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      holding.requests -= 1;
      if (holding.requests > 0) return;
      this.holding.delete(threadId);
      // Stable: an ephemeral event keeps its place among the durable ones of its seq.
      const held = holding.held.splice(0).sort((a, b) => a.seq - b.seq);
      for (const envelope of held) this.deliver(envelope);
    };
  }

  /**
   * Resumes every followed thread, one at a time, each from where it stands. Every one of them is
   * held from the moment the connection is up: a `chat:send` the application made while offline
   * is sent by socket.io before this runs, and the events of its run must not be handed out
   * before the thread's resume has replayed what came before them.
   */
  private async resumeAll(connection: number): Promise<void> {
    const threads = this.tracker.followed().map(([threadId]) => threadId);
    const ends = threads.map((threadId) => {
      const release = this.hold(threadId);
      let resolve!: () => void;
      const ended = new Promise<void>((done) => (resolve = done));
      this.resumes.set(threadId, ended);
      return (): void => {
        release();
        if (this.resumes.get(threadId) === ended) this.resumes.delete(threadId);
        resolve();
      };
    });
    try {
      for (let index = 0; index < threads.length; index++) {
        await this.resume(threads[index], connection);
        ends[index]();
      }
    } finally {
      // A newer connection, or the end of this one, stopped the loop: the rest is handed out.
      for (const end of ends) end();
    }
  }

  /**
   * Resolves once the thread is resumed on the current connection: at once when it is (or has
   * nothing to resume), else when its resume ends, whatever its outcome. Offline, it first waits
   * for the connection; each wait at most `requestTimeoutMs`, as a request would (then
   * `unavailable`).
   */
  private async resumed(threadId: string): Promise<void> {
    if (!this.socket.connected && !this.closed) {
      let onConnect: (() => void) | undefined;
      const connected = new Promise<void>((resolve) => (onConnect = resolve));
      this.socket.once('connect', onConnect as () => void);
      try {
        await this.within(connected, 'not connected');
      } finally {
        this.socket.off('connect', onConnect);
      }
    }
    const resume = this.resumes.get(threadId);
    // A resume the gateway keeps refusing (its log unavailable) is tried for as long as the
    // connection lasts: the send waits for it no longer than for any reply.
    if (resume !== undefined) await this.within(resume, `thread ${threadId} not resumed`);
  }

  /** `work`, or `unavailable` once `requestTimeoutMs` has passed (the work goes on). */
  private within(work: Promise<void>, what: string): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new GatewayRequestError({
              code: 'unavailable',
              message: `${what} within ${this.requestTimeoutMs} ms`,
            }),
          ),
        this.requestTimeoutMs,
      );
    });
    return Promise.race([work, expired]).finally(() => clearTimeout(timer));
  }

  /**
   * One thread's resume on this connection. A refusal that will not change (`forbidden`,
   * `not_found`, `invalid_request`) stops following the thread; a passing one (`rate_limited`,
   * `unavailable`, no reply in time) is tried again after the advised wait or a growing delay,
   * for as long as this connection lasts: a thread skipped here would miss every event until the
   * next reconnect, though the application still follows it.
   */
  private async resume(threadId: string, connection: number): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      // A newer connection resumes for itself; an unsubscribe meanwhile is not undone.
      if (connection !== this.connections || !this.socket.connected) return;
      const afterSeq = this.tracker.lastSeq(threadId);
      if (afterSeq === undefined) return;
      try {
        await this.openSubscription(threadId, afterSeq);
        return;
      } catch (error: unknown) {
        if (error instanceof GatewayRequestError && FINAL_REFUSALS.has(error.code)) {
          this.tracker.unfollow(threadId);
          return;
        }
        await this.pause(retryDelayMs(error, attempt, this.socket.io.reconnectionDelayMax()));
      }
    }
  }

  /** A timer that `close` ends early, so that no resume outlives the client. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed) return resolve();
      const timer = setTimeout(() => {
        this.pauses.delete(done);
        resolve();
      }, ms);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.pauses.add(done);
    });
  }

  private async request<N extends keyof ClientToServerEvents>(
    name: N,
    body: Parameters<ClientToServerEvents[N]>[0],
  ): Promise<ReplyResult<N>> {
    let reply: Reply<ReplyResult<N>>;
    try {
      // socket.io's typings cannot follow a generic event name through emitWithAck.
      const timed = this.socket.timeout(this.requestTimeoutMs);
      const emitWithAck = timed.emitWithAck.bind(timed) as (
        event: string,
        payload: unknown,
      ) => Promise<Reply<ReplyResult<N>>>;
      reply = await emitWithAck(name, body);
    } catch {
      throw new GatewayRequestError({
        code: 'unavailable',
        message: `no reply to ${name} within ${this.requestTimeoutMs} ms`,
      });
    }
    if (!reply.ok) throw new GatewayRequestError(reply.error);
    const { ok: _ok, ...result } = reply;
    return result as unknown as ReplyResult<N>;
  }
}

type AckOf<N extends keyof ClientToServerEvents> = Parameters<ClientToServerEvents[N]>[1];
type ReplyResult<N extends keyof ClientToServerEvents> =
  Parameters<AckOf<N>>[0] extends Reply<infer T> ? T : never;

/**
 * How long to wait before something refused is tried again: the `retryAfterMs` a refusal
 * advised, else `baseMs` doubling per attempt up to `maxMs`, with jitter, so that clients that
 * came back together do not all ask again at once.
 */
function retryDelayMs(error: unknown, attempt: number, maxMs: number, baseMs = 100): number {
  if (error instanceof GatewayRequestError && error.retryAfterMs !== undefined) {
    return error.retryAfterMs;
  }
  const backoff = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 16));
  return backoff / 2 + Math.random() * (backoff / 2);
}
