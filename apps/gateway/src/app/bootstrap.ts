import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import type { GatewayConfig } from './config/gateway-config';
import { GatewayIoAdapter } from './gateway/gateway-io.adapter';
import { GracefulShutdown } from './lifecycle/graceful-shutdown.service';

/** Creates the gateway and starts listening; returns the app so its owner can close it. */
export async function bootstrapGateway(config: GatewayConfig): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule.forRoot(config), {
    bufferLogs: true,
    // Throw instead of exiting the process, so main.ts (and tests) see the error.
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  app.useWebSocketAdapter(new GatewayIoAdapter(app, config));
  await app.listen(config.PORT, config.HOST);
  return app;
}

/** The graceful stop (see `GracefulShutdown`), then Nest's own hooks release every resource. */
export async function stopGateway(app: INestApplication): Promise<void> {
  await app.get(GracefulShutdown).run();
  await app.close();
}
