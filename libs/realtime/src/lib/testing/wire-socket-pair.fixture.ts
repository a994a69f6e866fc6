import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io, type Socket } from 'socket.io-client';
import type { GatewaySocket } from '../connections/gateway-socket';
import { envelopeWireParser } from '../wire/envelope-packet-encoder';

export interface WireSocketPair {
  server: Server;
  /** The server's side of the one connection. */
  socket: GatewaySocket;
  client: Socket;
  close(): Promise<void>;
}

/**
 * A socket.io server with the gateway's wire parser on a free port, and one real client
 * connected to it over websocket, for specs that need the real framing both ways.
 */
export async function openWireSocketPair(): Promise<WireSocketPair> {
  const http = createServer();
  const server = new Server(http, { parser: envelopeWireParser });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const connected = new Promise<GatewaySocket>((resolve) =>
    server.once('connection', (serverSide) => resolve(serverSide as GatewaySocket)),
  );
  const { port } = http.address() as AddressInfo;
  const client = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false });
  const socket = await connected;
  return {
    server,
    socket,
    client,
    close: async () => {
      client.disconnect();
      await server.close();
    },
  };
}
