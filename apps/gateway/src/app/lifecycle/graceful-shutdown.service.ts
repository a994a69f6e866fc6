import { Inject, Injectable, Logger } from '@nestjs/common';
import { AgentEngine } from '@agent-gateway/agent-engine';
import { RealtimeShutdown } from '@agent-gateway/realtime';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';

/** After the grace period, how long clients get to acknowledge the runs' final events. */
const FINAL_DELIVERY_MS = 2000;

/**
 * A graceful stop, in an order Nest's per-module hooks cannot promise: announce it and refuse new
 * handshakes; let runs finish within `SHUTDOWN_GRACE_MS` (the engine ends the rest with
 * `agent_error` `shutdown`); let clients acknowledge those final events; disconnect. Only then
 * does `app.close()` release pools and Redis connections.
 */
@Injectable()
export class GracefulShutdown {
  private readonly logger = new Logger(GracefulShutdown.name);
  private stopping: Promise<void> | undefined;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly engine: AgentEngine,
    private readonly realtime: RealtimeShutdown,
  ) {}

  /** Idempotent: a second signal waits for the same stop. */
  run(): Promise<void> {
    this.stopping ??= this.stop();
    return this.stopping;
  }

  private async stop(): Promise<void> {
    const startedAt = Date.now();
    const reconnectAfterMs = this.config.SHUTDOWN_GRACE_MS + FINAL_DELIVERY_MS;
    this.realtime.announce(reconnectAfterMs);
    // From here chat:send is refused with unavailable, told to retry when clients reconnect.
    await this.engine.shutdown({ retryAfterMs: reconnectAfterMs });
    const drained = await this.realtime.drain(FINAL_DELIVERY_MS);
    if (!drained)
      this.logger.warn(
        'some clients did not acknowledge their final events; they will resume on reconnect',
      );
    this.realtime.disconnectAll();
    this.logger.log(`graceful stop done in ${Date.now() - startedAt} ms`);
  }
}
