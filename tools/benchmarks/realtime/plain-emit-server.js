// Baseline for delivery-throughput.bench.ts: a bare socket.io server that, on `burst`, emits
// `count` events of `bytes` characters to the asking socket, with or without an acknowledgement
// for each, and answers once all were sent (and, with acks, all acknowledged).
const { createServer } = require('node:http');
const { Server } = require('socket.io');

const server = createServer();
const io = new Server(server);
io.on('connection', (socket) => {
  socket.on('burst', ({ count, bytes, acked }, done) => {
    const text = 'x'.repeat(bytes);
    if (!acked) {
      for (let seq = 1; seq <= count; seq += 1)
        socket.emit('agent:event', { seq, type: 'agent_thinking', payload: { text } });
      done();
      return;
    }
    let confirmed = 0;
    for (let seq = 1; seq <= count; seq += 1) {
      socket.emit('agent:event', { seq, type: 'agent_thinking', payload: { text } }, () => {
        confirmed += 1;
        if (confirmed === count) done();
      });
    }
  });
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.('listening'));
process.on('SIGTERM', () => io.close(() => process.exit(0)));
