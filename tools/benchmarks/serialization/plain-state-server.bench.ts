import { buildNestedState } from '@agent-gateway/serialization';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';

/*
 * Baseline for the gateway scenario: a bare socket.io server whose agent state lives on its main
 * thread, sent the plain way (socket.io runs JSON.stringify). Started by gateway-large-states
 * with loop-delay-probe.js preloaded. `state:build` builds a state (not measured: an agent's
 * state exists before it is sent); `state:send` sends it as an agent_completed event and answers
 * once the client has acknowledged it.
 */
const http = createServer();
const io = new Server(http, { serveClient: false });
let state: unknown;
let seq = 0;

io.on('connection', (socket) => {
  socket.on('state:build', (body: { bytes: number }, ack: () => void) => {
    state = buildNestedState(body.bytes);
    ack();
  });
  socket.on('state:send', async (_body: unknown, ack: () => void) => {
    await socket.timeout(60_000).emitWithAck('agent:event', {
      v: 1,
      threadId: 'baseline',
      runId: 'baseline-run',
      seq: ++seq,
      type: 'agent_completed',
      ts: Date.now(),
      payload: { output: { text: 'done', state }, durationMs: 1 },
    });
    ack();
  });
});
http.listen(0, '127.0.0.1', () => {
  process.send?.({ type: 'listening', port: (http.address() as AddressInfo).port });
});
process.on('disconnect', () => process.exit(0));
