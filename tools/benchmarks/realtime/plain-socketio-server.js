// Baseline for reconnect-resume.bench.ts: a bare socket.io server on PORT that acknowledges a
// subscribe at once. What reconnecting costs with no gateway logic at all.
const { createServer } = require('node:http');
const { Server } = require('socket.io');

const server = createServer();
const io = new Server(server);
io.on('connection', (socket) => {
  socket.on('thread:subscribe', (body, ack) =>
    ack({ ok: true, threadId: body.threadId, lastSeq: 0, replayed: 0 }),
  );
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.('listening'));
process.on('SIGTERM', () => io.close(() => process.exit(0)));
