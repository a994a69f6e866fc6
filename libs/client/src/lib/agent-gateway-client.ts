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

export interface AgentGatewayClientOptions {
  auth: HandshakeAuth;
  /** How long a request waits for its reply before failing with `unavailable`. */
  requestTimeoutMs?: number;
  socket?: Partial<ManagerOptions & SocketOptions>;
}

/**
 * The typed client of the wire contract. It acknowledges every event, hands each durable event
 * to the application exactly once and in order, and after a reconnect resumes every thread it
 * follows from the last `seq` it saw, so nothing is lost across a dropped connection.
 */
export class AgentGatewayClient {
  readonly socket: GatewaySocketClient;
  private readonly tracker = new ThreadTracker();
  private readonly listeners = new Set<EnvelopeListener>();
  private readonly requestTimeoutMs: number;

  constructor(url: string, options: AgentGatewayClientOptions) {
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.socket = io(url, { ...options.socket, auth: { ...options.auth } });
    this.socket.on('agent:event', (envelope, ack) => {
      this.receive([envelope]);
      ack?.();
    });
    this.socket.on('agent:events', (envelopes, ack) => {
      this.receive(envelopes);
      ack?.();
    });
    this.socket.io.on('reconnect', () => void this.resumeAll());
  }

  /** Resolves once connected; rejects with the handshake's refusal (`unauthorized`, `server_full`). */
  connected(): Promise<void> {
    if (this.socket.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onConnect = (): void => {
        this.socket.off('connect_error', onError);
        resolve();
      };
      const onError = (error: Error): void => {
        this.socket.off('connect', onConnect);
        reject(error);
      };
      this.socket.once('connect', onConnect);
      this.socket.once('connect_error', onError);
    });
  }

  onEvent(listener: EnvelopeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The last durable seq the application saw on a thread. */
  lastSeq(threadId: string): number | undefined {
    return this.tracker.lastSeq(threadId);
  }

  async send(request: ChatSendRequest): Promise<ChatSendResult> {
    const result = await this.request('chat:send', request);
    this.tracker.follow(result.threadId);
    return result;
  }

  async subscribe(threadId: string, afterSeq?: number): Promise<ThreadSubscribeResult> {
    this.tracker.follow(threadId, afterSeq);
    return this.request(
      'thread:subscribe',
      afterSeq === undefined ? { threadId } : { threadId, afterSeq },
    );
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
    this.socket.close();
  }

  private receive(envelopes: EventEnvelope[]): void {
    for (const envelope of envelopes) {
      const decoded = decodeEnvelope(envelope);
      if (!this.tracker.accept(decoded)) continue;
      for (const listener of this.listeners) listener(decoded);
    }
  }

  private async resumeAll(): Promise<void> {
    for (const [threadId, lastSeq] of this.tracker.followed()) {
      await this.request('thread:subscribe', { threadId, afterSeq: lastSeq }).catch(
        () => undefined,
      );
    }
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
