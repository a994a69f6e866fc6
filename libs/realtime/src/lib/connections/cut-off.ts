import type { GatewaySocket } from './gateway-socket';

/**
 * Cuts a connection off so that its client comes back by itself and resumes with `afterSeq`:
 * for a consumer that cannot keep up, a failed gap repair, a graceful stop. It closes the
 * transport, which socket.io-client reads as `transport close` and reconnects after, where
 * `socket.disconnect(true)` reads as `io server disconnect`, after which it never does. Eviction
 * (`session:evicted`), where coming back would be wrong, keeps `socket.disconnect(true)`.
 *
 * What is already written for the socket (a reply to the request that overflowed the outbox, say)
 * still goes out first, as it did with `disconnect(true)`; a client that reads nothing more is
 * closed by socket.io's heartbeat.
 */
export function cutOffConnection(socket: GatewaySocket): void {
  socket.conn.close();
}
