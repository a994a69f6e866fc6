import { Logger } from '@nestjs/common';
import { RequestError, errorReply, okReply, type Reply } from '@agent-gateway/events';

const logger = new Logger('RequestHandler');

/**
 * Runs one request and always produces the contract's reply: a refusal (`RequestError`) as-is,
 * anything unexpected as `internal` with its details in the log, never in the reply.
 */
export async function handleRequest<T extends object>(
  name: string,
  connectionId: string,
  work: () => Promise<T>,
): Promise<Reply<T>> {
  try {
    return okReply(await work());
  } catch (error) {
    if (error instanceof RequestError) return error.toReply();
    logger.error(`${name} failed on connection ${connectionId}`, (error as Error).stack);
    return errorReply('internal', 'the gateway could not complete the request; try again');
  }
}
