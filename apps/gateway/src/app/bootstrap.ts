import type { INestApplication, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import type { GatewayConfig } from './config/gateway-config';
import { GatewayIoAdapter } from './gateway/gateway-io.adapter';
import { GracefulShutdown } from './lifecycle/graceful-shutdown.service';

export interface BootstrapOptions {
  logLevels?: LogLevel[] | false;
}

/** Creates the gateway and starts listening; returns the app so its owner can close it. */
export async function bootstrapGateway(
  config: GatewayConfig,
  options: BootstrapOptions = {},
): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule.forRoot(config), {
    logger: options.logLevels ?? ['log', 'warn', 'error', 'fatal'],
  });
  app.useWebSocketAdapter(new GatewayIoAdapter(app, config));
  await app.listen(config.PORT, config.HOST);
  return app;
}

/** The graceful stop (see `GracefulShutdown`), then Nest's own hooks release every resource. */
export async function stopGateway(app: INestApplication): Promise<void> {
  await app.get(GracefulShutdown).run();
  await app.close();
}
