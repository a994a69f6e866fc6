import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
} from '@nestjs/websockets';
import type { Server } from 'socket.io';
import type { z } from 'zod';
import {
  HANDSHAKE_ERRORS,
  REQUEST_SCHEMAS,
  RequestError,
  parseRequest,
  type ChatSendResult,
  type Reply,
  type RequestName,
  type ThreadHistoryResult,
  type ThreadSubscribeResult,
} from '@agent-gateway/events';
import { ChatWorkflowService, type RequestContext } from '@agent-gateway/chat-workflow';
import {
  ConnectionRegistry,
  RequestRateLimiter,
  type GatewaySocket,
} from '@agent-gateway/realtime';
import { PinoLogger } from 'nestjs-pino';
import { HandshakeAuthenticator } from '../auth/handshake-authenticator.service';
import { withLogContext } from '../logging/log-context';
import { RequestHandler } from './request-handler.service';

type RequestOf<N extends RequestName> = z.infer<(typeof REQUEST_SCHEMAS)[N]>;

/**
 * The socket.io face of the contract. It authenticates the handshake, then for every request:
 * rate limit, validate, hand to the workflow, acknowledge. No business logic lives here.
 */
@WebSocketGateway({ cors: { origin: true } })
export class ChatGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  constructor(
    private readonly authenticator: HandshakeAuthenticator,
    private readonly connections: ConnectionRegistry,
    private readonly rateLimiter: RequestRateLimiter,
    private readonly workflow: ChatWorkflowService,
    private readonly requests: RequestHandler,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(ChatGateway.name);
  }

  afterInit(server: Server): void {
    server.use((socket, next) => {
      const userId = this.authenticator.authenticate(socket.handshake.auth);
      if (!userId) return next(new Error(HANDSHAKE_ERRORS.unauthorized));
      if (!this.connections.hasRoom()) return next(new Error(HANDSHAKE_ERRORS.serverFull));
      (socket as GatewaySocket).data.userId = userId;
      next();
    });
  }

  handleConnection(socket: GatewaySocket): void {
    this.connections.register(socket, socket.data.userId);
  }

  handleDisconnect(socket: GatewaySocket): void {
    this.connections.unregister(socket.id);
  }

  @SubscribeMessage('chat:send')
  chatSend(
    @ConnectedSocket() socket: GatewaySocket,
    @MessageBody() body: unknown,
  ): Promise<Reply<ChatSendResult>> {
    return this.respond(socket, 'chat:send', body, (request, context) =>
      this.workflow.send(context, request),
    );
  }

  @SubscribeMessage('thread:subscribe')
  threadSubscribe(
    @ConnectedSocket() socket: GatewaySocket,
    @MessageBody() body: unknown,
  ): Promise<Reply<ThreadSubscribeResult>> {
    return this.respond(socket, 'thread:subscribe', body, (request, context) =>
      this.workflow.subscribe(context, request),
    );
  }

  @SubscribeMessage('thread:unsubscribe')
  threadUnsubscribe(
    @ConnectedSocket() socket: GatewaySocket,
    @MessageBody() body: unknown,
  ): Promise<Reply> {
    return this.respond(socket, 'thread:unsubscribe', body, async (request, context) => {
      await this.workflow.unsubscribe(context, request);
      return {};
    });
  }

  @SubscribeMessage('thread:history')
  threadHistory(
    @ConnectedSocket() socket: GatewaySocket,
    @MessageBody() body: unknown,
  ): Promise<Reply<ThreadHistoryResult>> {
    return this.respond(socket, 'thread:history', body, (request, context) =>
      this.workflow.history(context, request),
    );
  }

  @SubscribeMessage('run:cancel')
  runCancel(
    @ConnectedSocket() socket: GatewaySocket,
    @MessageBody() body: unknown,
  ): Promise<Reply> {
    return this.respond(socket, 'run:cancel', body, async (request, context) => {
      await this.workflow.cancel(context, request);
      return {};
    });
  }

  private respond<N extends RequestName, T extends object>(
    socket: GatewaySocket,
    name: N,
    body: unknown,
    work: (request: RequestOf<N>, context: RequestContext) => Promise<T>,
  ): Promise<Reply<T>> {
    const context: RequestContext = { userId: socket.data.userId, connectionId: socket.id };
    const threadId =
      typeof (body as { threadId?: unknown })?.threadId === 'string'
        ? (body as { threadId: string }).threadId
        : undefined;
    return withLogContext(
      this.logger,
      { ...context, request: name, ...(threadId ? { threadId } : {}) },
      () =>
        this.requests.handle(name, socket.id, async () => {
          const decision = this.rateLimiter.consume(socket.id);
          if (!decision.allowed) {
            throw new RequestError(
              'rate_limited',
              `too many requests on this connection; retry in ${decision.retryAfterMs} ms`,
              decision.retryAfterMs,
            );
          }
          const request = parseRequest(REQUEST_SCHEMAS[name], body) as RequestOf<N>;
          this.logger.debug('request accepted');
          return work(request, context);
        }),
    );
  }
}
