import { buildNestedState } from '@agent-gateway/serialization';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';

/*
 * Baselines for the gateway scenario: a bare socket.io server, started by gateway-large-states
 * with loop-delay-probe.js preloaded. `state:build` builds a state on its main thread, and its
 * JSON bytes (not measured: an agent's state exists before it is sent). `state:send` sends it as
 * an agent_completed event and answers once the client has acknowledged it:
 * - `{ encoded: false }`: the state itself, the plain way (socket.io runs JSON.stringify);
 * - `{ encoded: true }`: the bytes made beforehand, as binary: no serialization at all, only what
 *   any server pays to hand 20 MB to a socket. The floor for every way of sending a state.
 */
const http = createServer();
const io = new Server(http, { serveClient: false });
let state: unknown;
let bytes: Buffer = Buffer.alloc(0);
let seq = 0;

io.on('connection', (socket) => {
  socket.on('state:build', (body: { bytes: number }, ack: () => void) => {
    state = buildNestedState(body.bytes);
    bytes = Buffer.from(JSON.stringify({ output: { text: 'done', state }, durationMs: 1 }));
    ack();
  });
  socket.on('state:send', async (body: { encoded: boolean }, ack: () => void) => {
    await socket.timeout(60_000).emitWithAck('agent:event', {
      v: 1,
      threadId: 'baseline',
      runId: 'baseline-run',
      seq: ++seq,
      type: 'agent_completed',
      ts: Date.now(),
      ...(body.encoded
        ? { payload: bytes, payloadEncoding: 'json' }
        : { payload: { output: { text: 'done', state }, durationMs: 1 } }),
    });
    ack();
  });
});
http.listen(0, '127.0.0.1', () => {
  process.send?.({ type: 'listening', port: (http.address() as AddressInfo).port });
});
process.on('disconnect', () => process.exit(0));
