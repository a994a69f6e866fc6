import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A real hung file operation, without mocks: reading a FIFO blocks in open() until a writer
 * appears, holding one libuv thread-pool thread. `jamOne` hangs a single read; `jamPool` fills
 * the whole pool, so every file operation of the process queues behind, as on a stalled disk.
 */
export class StuckDisk {
  private constructor(
    private readonly fifos: readonly string[],
    private readonly reads: readonly Promise<unknown>[],
  ) {}

  /** Turns `file` into a FIFO, so reading it hangs until `release`. */
  static fifoAt(file: string): StuckDisk {
    execFileSync('mkfifo', [file]);
    return new StuckDisk([file], []);
  }

  /** Fills the thread pool with hung FIFO reads, created in `dir`. */
  static jamPool(dir: string): StuckDisk {
    const size = Number(process.env['UV_THREADPOOL_SIZE'] ?? 4);
    const fifos = Array.from({ length: size }, (_, index) => join(dir, `jam-${index}.fifo`));
    for (const fifo of fifos) execFileSync('mkfifo', [fifo]);
    return new StuckDisk(
      fifos,
      fifos.map(async (fifo) => readFile(fifo).catch(() => undefined)),
    );
  }

  /** Unblocks every reader: a writer opens and closes each FIFO, so each read sees end-of-file. */
  async release(deadlineMs = 5000): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    const pending = new Set(this.fifos);
    while (pending.size > 0) {
      for (const fifo of pending) {
        try {
          // Synchronous on purpose: the thread pool may be full, a pooled open would queue.
          closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
          pending.delete(fifo);
        } catch (error) {
          // ENXIO: no reader is blocked on it yet (still queued); try again shortly.
          if ((error as NodeJS.ErrnoException).code !== 'ENXIO') throw error;
        }
      }
      if (pending.size === 0) break;
      if (Date.now() > deadline)
        throw new Error(`StuckDisk: readers never arrived on ${[...pending].join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await Promise.all(this.reads);
  }
}
