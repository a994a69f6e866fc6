import type { EventEnvelope } from './envelope/event-envelope';
import type { Reply } from './replies/reply';
import type {
  ChatSendRequest,
  RunCancelRequest,
  ThreadHistoryRequest,
  ThreadSubscribeRequest,
  ThreadUnsubscribeRequest,
} from './requests/request-schemas';
import type {
  ChatSendResult,
  ThreadHistoryResult,
  ThreadSubscribeResult,
} from './requests/results';

type Ack<T extends object> = (reply: Reply<T>) => void;

/** Client to server: every request carries an acknowledgement callback. */
export interface ClientToServerEvents {
  'chat:send': (body: ChatSendRequest, ack: Ack<ChatSendResult>) => void;
  'thread:subscribe': (body: ThreadSubscribeRequest, ack: Ack<ThreadSubscribeResult>) => void;
  'thread:unsubscribe': (body: ThreadUnsubscribeRequest, ack: Ack<object>) => void;
  'thread:history': (body: ThreadHistoryRequest, ack: Ack<ThreadHistoryResult>) => void;
  'run:cancel': (body: RunCancelRequest, ack: Ack<object>) => void;
}

export type EvictionReason = 'connection_limit';

/** Server to client. Durable events are confirmed by calling `ack` (its arguments are ignored). */
export interface ServerToClientEvents {
  'agent:event': (envelope: EventEnvelope, ack: () => void) => void;
  'agent:events': (envelopes: EventEnvelope[], ack: () => void) => void;
  'session:evicted': (body: { reason: EvictionReason }) => void;
  'server:shutdown': (body: { reconnectAfterMs: number }) => void;
}

/** What `io(url, { auth })` carries: a token, or in development a bare user id. */
export interface HandshakeAuth {
  token?: string;
  userId?: string;
}

/** `connect_error` messages the gateway refuses a handshake with. */
export const HANDSHAKE_ERRORS = {
  unauthorized: 'unauthorized',
  serverFull: 'server_full',
} as const;
