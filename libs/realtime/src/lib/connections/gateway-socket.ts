import type { Socket } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '@agent-gateway/events';

/** Per-socket data the gateway sets once the handshake is authenticated. */
export interface GatewaySocketData {
  userId: string;
}

export type GatewaySocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  GatewaySocketData
>;
