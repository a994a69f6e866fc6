import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { bootstrapGateway, stopGateway } from './app/bootstrap';
import {
  ConfigurationError,
  SHUTDOWN_DEADLINE_SLACK_MS,
  loadGatewayConfig,
} from './app/config/gateway-config';

const logger = new Logger('Gateway');

async function main(): Promise<void> {
  const config = loadGatewayConfig();
  const app = await bootstrapGateway(config);
  logger.log(`Agent Gateway listening on ${await app.getUrl()} (chat page at /)`);

  // Our own signal handling rather than enableShutdownHooks(): the stop must drain runs and
  // deliveries before Nest's hooks close pools and Redis (see GracefulShutdown).
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal} received: stopping gracefully`);
    const deadline = setTimeout(() => {
      logger.error('graceful stop overran its deadline; exiting');
      process.exit(1);
    }, config.SHUTDOWN_GRACE_MS + SHUTDOWN_DEADLINE_SLACK_MS);
    deadline.unref();
    stopGateway(app).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('graceful stop failed', error as Error);
        process.exit(1);
      },
    );
  };
  // `on`, not `once`: a second signal would otherwise get Node's default handling and kill the
  // process mid-stop, before its runs' terminal events went out.
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  // A bad configuration is the operator's to fix: say what, without a stack trace.
  if (error instanceof ConfigurationError) console.error(error.message);
  else console.error('Agent Gateway failed to start:', error);
  process.exit(1);
});
