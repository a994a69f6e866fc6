import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { EVENT_LOG_STORE, type EventLogStore } from '../event-log/event-log.store';
import { REALTIME_OPTIONS, type RealtimeOptions } from '../realtime.options';

/** Every `cleanupIntervalMs`, drops what retention allows so memory stays flat over time. */
@Injectable()
export class RealtimeSweeper implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(RealtimeSweeper.name);
  private timer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(REALTIME_OPTIONS) private readonly options: RealtimeOptions,
    @Inject(EVENT_LOG_STORE) private readonly log: EventLogStore,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.sweep(), this.options.cleanupIntervalMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  async sweep(now = Date.now()): Promise<void> {
    try {
      const dropped = await this.log.sweep(now);
      if (dropped > 0) this.logger.debug(`dropped ${dropped} events past retention`);
    } catch (error) {
      this.logger.warn(`event log sweep failed: ${(error as Error).message}`);
    }
  }
}
