import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { THREAD_EVENT_BUS, type ThreadEventBus } from '../fanout/thread-event-bus';
import { ThreadSubscriptions } from './thread-subscriptions.service';

/** Connects the bus (events from every process) to this process's subscriptions. */
@Injectable()
export class EventDispatcher implements OnModuleInit, OnModuleDestroy {
  private unsubscribe: (() => void) | undefined;
  private unsubscribeNotices: (() => void) | undefined;
  private unsubscribeLosses: (() => void) | undefined;

  constructor(
    @Inject(THREAD_EVENT_BUS) private readonly bus: ThreadEventBus,
    private readonly subscriptions: ThreadSubscriptions,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.bus.subscribe((envelope) => this.subscriptions.dispatch(envelope));
    this.unsubscribeNotices = this.bus.subscribeNotices((notice) =>
      this.subscriptions.dispatchNotice(notice),
    );
    this.unsubscribeLosses = this.bus.subscribeLosses(() => {
      void this.subscriptions.checkFollowedThreads();
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
    this.unsubscribeNotices?.();
    this.unsubscribeLosses?.();
  }
}
