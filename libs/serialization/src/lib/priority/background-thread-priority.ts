import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import {
  SERIALIZATION_OPTIONS,
  type ResolvedSerializationOptions,
} from '../config/serialization-options';
import { backgroundThreadIds, lowerThreadPriority } from './thread-priority';

/**
 * Gives the event loop the CPU first. A worker building and encoding a 20 MB state keeps a core
 * busy, and its garbage collector runs on V8's helper threads, which the whole process shares;
 * on a machine with few cores, these threads together stalled the main thread for 10 to 25 ms
 * while it sat idle (docs/BENCHMARKS.md, "Serialization"). Lowering every thread but the main
 * one to `backgroundThreadNice` lets the scheduler run the event loop as soon as it wakes.
 *
 * Which threads: V8's helpers, libuv's thread pool (file system, DNS), and the serialization
 * workers, each of which also lowers itself when it starts, replacements included. Threads
 * started later by other code keep their priority. Linux only; elsewhere it does nothing.
 */
@Injectable()
export class BackgroundThreadPriority implements OnApplicationBootstrap {
  private readonly logger = new Logger('Serialization');

  constructor(
    @Inject(SERIALIZATION_OPTIONS) private readonly options: ResolvedSerializationOptions,
  ) {}

  onApplicationBootstrap(): void {
    const nice = this.options.backgroundThreadNice;
    if (nice === 0) return;
    const threads = backgroundThreadIds();
    const lowered = threads.filter((threadId) => lowerThreadPriority(threadId, nice)).length;
    if (threads.length > 0) {
      this.logger.log(
        `Background threads at nice ${nice}, the event loop first: ${lowered} of ${threads.length}`,
      );
    }
  }
}
