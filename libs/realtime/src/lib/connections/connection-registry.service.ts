import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConnectionOutbox } from '../delivery/connection-outbox';
import { DeliveryMetrics } from '../metrics/delivery.metrics';
import { REALTIME_OPTIONS, type RealtimeOptions } from '../realtime.options';
import { cutOffConnection } from './cut-off';
import type { GatewaySocket } from './gateway-socket';

export interface Connection {
  readonly id: string;
  readonly userId: string;
  readonly socket: GatewaySocket;
  readonly outbox: ConnectionOutbox;
  readonly connectedAt: number;
}

type ConnectionClosedListener = (connection: Connection) => void;

/**
 * Every open connection of this process, by id and by user, with the contract's limits:
 * a user's connection beyond `maxConnectionsPerUser` evicts that user's oldest one, and past
 * `maxTotalConnections` new handshakes are refused (see `hasRoom`).
 */
@Injectable()
export class ConnectionRegistry {
  private readonly logger = new Logger(ConnectionRegistry.name);
  private readonly byId = new Map<string, Connection>();
  private readonly byUser = new Map<string, Connection[]>();
  private readonly closedListeners: ConnectionClosedListener[] = [];
  private accepting = true;

  constructor(
    @Inject(REALTIME_OPTIONS) private readonly options: RealtimeOptions,
    private readonly metrics: DeliveryMetrics,
  ) {}

  /** Whether a new handshake may be accepted (the caller refuses with `server_full` if not). */
  hasRoom(): boolean {
    return this.accepting && this.byId.size < this.options.maxTotalConnections;
  }

  get size(): number {
    return this.byId.size;
  }

  get(connectionId: string): Connection | undefined {
    return this.byId.get(connectionId);
  }

  all(): IterableIterator<Connection> {
    return this.byId.values();
  }

  onConnectionClosed(listener: ConnectionClosedListener): void {
    this.closedListeners.push(listener);
  }

  register(socket: GatewaySocket, userId: string): Connection {
    const outbox = new ConnectionOutbox(socket, this.options, this.metrics, (reason) => {
      this.logger.warn(`cutting off connection ${socket.id} of user ${userId}: ${reason}`);
      cutOffConnection(socket);
    });
    const connection: Connection = {
      id: socket.id,
      userId,
      socket,
      outbox,
      connectedAt: Date.now(),
    };
    this.byId.set(connection.id, connection);
    const userConnections = this.byUser.get(userId) ?? [];
    userConnections.push(connection);
    this.byUser.set(userId, userConnections);
    this.metrics.connections.set(this.byId.size);
    while (userConnections.length > this.options.maxConnectionsPerUser) {
      const oldest = userConnections.shift() as Connection;
      this.evict(oldest);
    }
    return connection;
  }

  /** Forgets a connection and everything it held; safe to call twice. */
  unregister(connectionId: string): void {
    const connection = this.byId.get(connectionId);
    if (!connection) return;
    this.byId.delete(connectionId);
    const userConnections = this.byUser.get(connection.userId);
    if (userConnections) {
      const remaining = userConnections.filter((c) => c.id !== connectionId);
      if (remaining.length > 0) this.byUser.set(connection.userId, remaining);
      else this.byUser.delete(connection.userId);
    }
    connection.outbox.close();
    this.metrics.connections.set(this.byId.size);
    for (const listener of this.closedListeners) listener(connection);
  }

  /** From here on every handshake is refused; used by graceful shutdown. */
  stopAccepting(): void {
    this.accepting = false;
  }

  private evict(connection: Connection): void {
    this.logger.log(
      `evicting connection ${connection.id} of user ${connection.userId}: connection limit`,
    );
    connection.socket.emit('session:evicted', { reason: 'connection_limit' });
    this.unregister(connection.id);
    // Final: the client must not come back (see cutOffConnection for the other kind).
    connection.socket.disconnect(true);
  }
}
