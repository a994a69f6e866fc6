import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Server, ServerOptions } from 'socket.io';
import { envelopeWireParser } from '@agent-gateway/realtime';
import type { GatewayConfig } from '../config/gateway-config';

/**
 * socket.io with the contract's packet limit and the envelope encoder (socket.io's wire format,
 * framed faster for proven-plain envelopes); the one place server options come from config.
 */
export class GatewayIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly config: GatewayConfig,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    return super.createIOServer(port, {
      ...options,
      maxHttpBufferSize: this.config.MAX_PACKET_BYTES,
      transports: ['polling', 'websocket'],
      parser: envelopeWireParser,
    }) as Server;
  }
}
