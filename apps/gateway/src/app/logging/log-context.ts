import type { PinoLogger } from 'nestjs-pino';
import { Store, storage } from 'nestjs-pino/storage';

export interface LogCorrelation {
  connectionId: string;
  userId: string;
  request: string;
  threadId?: string;
}

/**
 * Runs `work` with a logger bound to the request's correlation ids: every log line written while it
 * runs (and in what it starts, such as the agent run) carries them, wherever it is logged from.
 */
export function withLogContext<T>(
  logger: PinoLogger,
  correlation: LogCorrelation,
  work: () => T,
): T {
  return storage.run(new Store(logger.logger.child(correlation)), work);
}
