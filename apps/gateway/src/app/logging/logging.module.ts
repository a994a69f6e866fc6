import { Module, type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { GatewayConfig } from '../config/gateway-config';

/**
 * JSON logs through pino. Headers that carry credentials are redacted, and probes are not logged
 * per request (they would drown everything else).
 */
@Module({})
export class LoggingModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.LOG_LEVEL,
            redact: {
              paths: [
                'req.headers.authorization',
                'req.headers.cookie',
                'req.headers["x-api-key"]',
              ],
              censor: '[redacted]',
            },
            autoLogging: { ignore: (req) => /^\/(health|metrics|socket\.io)/.test(req.url ?? '') },
          },
        }),
      ],
    };
  }
}
