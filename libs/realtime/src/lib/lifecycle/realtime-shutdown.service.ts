import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConnectionRegistry } from '../connections/connection-registry.service';
import { cutOffConnection } from '../connections/cut-off';
import { THREAD_EVENT_BUS, type ThreadEventBus } from '../fanout/thread-event-bus';

/** The realtime half of a graceful stop; the app decides when each step runs. */
@Injectable()
export class RealtimeShutdown {
  private readonly logger = new Logger(RealtimeShutdown.name);

  constructor(
    private readonly connections: ConnectionRegistry,
    @Inject(THREAD_EVENT_BUS) private readonly bus: ThreadEventBus,
  ) {}

  /** Refuses new handshakes and tells every client to come back after `reconnectAfterMs`. */
  announce(reconnectAfterMs: number): void {
    this.connections.stopAccepting();
    for (const connection of this.connections.all()) {
      connection.socket.emit('server:shutdown', { reconnectAfterMs });
    }
    this.logger.log(`shutdown announced to ${this.connections.size} connections`);
  }

  /** Waits until every connection acknowledged what it was sent, or `timeoutMs` passed. */
  async drain(timeoutMs: number): Promise<boolean> {
    // Events still crossing the bus (the runs' last ones, say) must reach the outboxes first.
    const idle = this.bus
      .flush()
      .catch((error: Error) => this.logger.warn(`could not flush the event bus: ${error.message}`))
      .then(() => Promise.all([...this.connections.all()].map((c) => c.outbox.whenIdle())));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const drained = await Promise.race([idle.then(() => true), timedOut]);
    clearTimeout(timer);
    return drained;
  }

  /** Closes every connection so that its client comes back (after `reconnectAfterMs`) and resumes. */
  disconnectAll(): void {
    for (const connection of [...this.connections.all()]) {
      this.connections.unregister(connection.id);
      cutOffConnection(connection.socket);
    }
  }
}
