import { Injectable, Logger } from '@nestjs/common';
import { ConnectionRegistry } from '../connections/connection-registry.service';

/** The realtime half of a graceful stop; the app decides when each step runs. */
@Injectable()
export class RealtimeShutdown {
  private readonly logger = new Logger(RealtimeShutdown.name);

  constructor(private readonly connections: ConnectionRegistry) {}

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
    const idle = Promise.all([...this.connections.all()].map((c) => c.outbox.whenIdle()));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const drained = await Promise.race([idle.then(() => true), timedOut]);
    clearTimeout(timer);
    return drained;
  }

  disconnectAll(): void {
    for (const connection of [...this.connections.all()]) {
      this.connections.unregister(connection.id);
      connection.socket.disconnect(true);
    }
  }
}
