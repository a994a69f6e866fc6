import { io } from 'socket.io-client';

/*
 * The receiving end, in its own process so that decoding what arrives does not count against
 * the server's event loop. It acknowledges every event, as a frontend of the contract does.
 */
const url = process.argv[2];
const socket = io(url, { transports: ['websocket'], reconnection: false });
socket.on('agent:event', (_envelope: unknown, ack: () => void) => ack());
socket.on('connect_error', (error) => {
  console.error(`benchmark client could not connect to ${url}: ${error.message}`);
  process.exit(1);
});
// Ends with the parent: the IPC channel closes when the parent exits or kills it.
process.on('disconnect', () => process.exit(0));
