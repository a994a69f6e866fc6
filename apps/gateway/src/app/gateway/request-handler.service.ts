import { Injectable, Logger } from '@nestjs/common';
import { Counter, Histogram, Registry } from 'prom-client';
import {
  RequestError,
  errorReply,
  okReply,
  type Reply,
  type RequestName,
} from '@agent-gateway/events';

/**
 * Runs one request and always produces the contract's reply: a refusal (`RequestError`) as-is,
 * anything unexpected as `internal` with its details in the log, never in the reply. Counts every
 * request by name and outcome (`ok` or the error code: both bounded sets).
 */
@Injectable()
export class RequestHandler {
  private readonly logger = new Logger(RequestHandler.name);
  private readonly requests: Counter<'request' | 'outcome'>;
  private readonly duration: Histogram<'request'>;

  constructor(registry: Registry) {
    this.requests = new Counter({
      name: 'agent_gateway_requests_total',
      help: 'Socket requests by name and outcome (ok, or the error code replied)',
      labelNames: ['request', 'outcome'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'agent_gateway_request_duration_seconds',
      help: 'Time from receiving a socket request to replying',
      labelNames: ['request'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
  }

  async handle<T extends object>(
    name: RequestName,
    connectionId: string,
    work: () => Promise<T>,
  ): Promise<Reply<T>> {
    const stopTimer = this.duration.startTimer({ request: name });
    let reply: Reply<T>;
    try {
      reply = okReply(await work());
    } catch (error) {
      if (error instanceof RequestError) {
        reply = error.toReply();
      } else {
        this.logger.error(`${name} failed on connection ${connectionId}`, (error as Error).stack);
        reply = errorReply('internal', 'the gateway could not complete the request; try again');
      }
    }
    stopTimer();
    this.requests.inc({ request: name, outcome: reply.ok ? 'ok' : reply.error.code });
    return reply;
  }
}
