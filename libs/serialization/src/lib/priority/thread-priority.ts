import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** The highest nice value Linux knows: the lowest priority. */
export const MAX_NICE = 19;

/*
 * Linux keeps a nice value per thread, and setpriority(PRIO_PROCESS, tid) changes one thread's
 * (os.setPriority passes the id through). Raising one's own threads' nice value needs no
 * privilege; lowering it back does, so these functions only ever raise it. Elsewhere thread ids
 * are not process ids, and every function here does nothing.
 */
const supported = process.platform === 'linux';

/** The kernel's id of the calling thread (the main thread's is the process id). */
export function currentThreadId(): number | undefined {
  if (!supported) return undefined;
  try {
    // "/proc/thread-self" links to "<pid>/task/<tid>".
    const id = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(id) && id > 0 ? id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Raises the thread's nice value to `nice` unless it is already as high. True when the thread
 * ends up at `nice` or lower in priority; false when it could not be changed (it ended, or the
 * system refused).
 */
export function lowerThreadPriority(threadId: number, nice: number): boolean {
  if (!supported) return false;
  try {
    if (getPriority(threadId) < nice) setPriority(threadId, nice);
    return true;
  } catch {
    return false;
  }
}
