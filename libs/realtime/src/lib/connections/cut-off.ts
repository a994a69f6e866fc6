import type { GatewaySocket } from './gateway-socket';

/**
 * Cuts a connection off so that its client comes back by itself and resumes with `afterSeq`:
 * for a consumer that cannot keep up, a failed gap repair, a graceful stop. It closes the
 * transport, which socket.io-client reads as `transport close` and reconnects after, where
 * `socket.disconnect(true)` reads as `io server disconnect`, after which it never does. Eviction
 * (`session:evicted`), where coming back would be wrong, keeps `socket.disconnect(true)`.
 *
 * What is still buffered for the socket is discarded rather than waited for: a client that does
 * not read would hold the close back for good, and every durable event stays in the log.
 */
export function cutOffConnection(socket: GatewaySocket): void {
  socket.conn.close(true);
}
