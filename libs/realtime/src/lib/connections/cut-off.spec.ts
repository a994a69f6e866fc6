import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io, type Socket } from 'socket.io-client';
import { cutOffConnection } from './cut-off';
import type { GatewaySocket } from './gateway-socket';

describe('cutOffConnection', () => {
  let server: Server;
  let client: Socket;
  const connections: GatewaySocket[] = [];
  let nextConnection: Array<(socket: GatewaySocket) => void> = [];

  function connection(): Promise<GatewaySocket> {
    return new Promise((resolve) => nextConnection.push(resolve));
  }

  beforeEach(async () => {
    const http = createServer();
    server = new Server(http);
    server.on('connection', (socket) => {
      connections.push(socket as GatewaySocket);
      nextConnection.shift()?.(socket as GatewaySocket);
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const { port } = http.address() as AddressInfo;
    const first = connection();
    client = io(`http://127.0.0.1:${port}`, {
      transports: ['websocket'],
      reconnectionDelay: 10,
      reconnectionDelayMax: 10,
    });
    await first;
  });

  afterEach(async () => {
    client.close();
    await server.close();
    connections.length = 0;
    nextConnection = [];
  });

  it('closes the connection so that socket.io-client reconnects by itself', async () => {
    const serverSide = connections[0];
    const serverSaw = new Promise<string>((resolve) => serverSide.once('disconnect', resolve));
    const clientSaw = new Promise<string>((resolve) => client.once('disconnect', resolve));
    const second = connection();
    cutOffConnection(serverSide);
    expect(await clientSaw).toBe('transport close');
    expect(await serverSaw).toBe('forced close');
    const again = await second;
    await new Promise<void>((resolve) =>
      client.connected ? resolve() : client.once('connect', resolve),
    );
    expect(again.id).toBe(client.id);
    expect(again.id).not.toBe(serverSide.id);
  });

  it('is not what eviction does: disconnect(true) leaves the client offline', async () => {
    const clientSaw = new Promise<string>((resolve) => client.once('disconnect', resolve));
    connections[0].disconnect(true);
    expect(await clientSaw).toBe('io server disconnect');
    expect(client.active).toBe(false);
  });
});
