import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import jwt from 'jsonwebtoken';
import type { HandshakeAuth } from '@agent-gateway/events';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';

/**
 * A user id, from a token's `sub` or a development `userId`: what identity providers issue
 * (`auth0|5f7c…`, `google-oauth2|1234`, an e-mail address, a URI, a UUID), up to 255 characters,
 * with no control character, so that it cannot break a log line it is written into.
 */
const USER_ID_PATTERN = /^[^\p{Cc}]{1,255}$/u;

/**
 * Turns a handshake's `auth` into a user id, or `undefined` to refuse it. Only HS256 is accepted
 * (never `none`, never an algorithm the token picks), and `exp` is enforced when present.
 */
@Injectable()
export class HandshakeAuthenticator implements OnModuleInit {
  private readonly logger = new Logger(HandshakeAuthenticator.name);

  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {}

  onModuleInit(): void {
    if (this.config.devAuth) {
      this.logger.warn(
        'AUTH_JWT_SECRET is not set: development mode accepts auth { userId } without a token. ' +
          'Set AUTH_JWT_SECRET (and NODE_ENV=production) before exposing this gateway.',
      );
    }
  }

  authenticate(auth: unknown): string | undefined {
    const { token, userId } = (
      typeof auth === 'object' && auth !== null ? auth : {}
    ) as HandshakeAuth;
    if (typeof token === 'string' && token.length > 0) return this.verifyToken(token);
    if (this.config.devAuth && typeof userId === 'string' && USER_ID_PATTERN.test(userId)) {
      return userId;
    }
    return undefined;
  }

  private verifyToken(token: string): string | undefined {
    const secret = this.config.AUTH_JWT_SECRET;
    if (!secret) return undefined;
    try {
      const claims = jwt.verify(token, secret, { algorithms: ['HS256'] });
      const subject = typeof claims === 'object' ? claims.sub : undefined;
      return typeof subject === 'string' && USER_ID_PATTERN.test(subject) ? subject : undefined;
    } catch {
      return undefined;
    }
  }
}
