import { resolve, sep } from 'node:path';
import { RequestError, THREAD_ID_PATTERN } from '@agent-gateway/events';

/**
 * Where each thread's transcript lives. A file name is made only from a thread id that passed the
 * contract's pattern (letters, digits, `_`, `-`: no dot, no separator), and the result is checked
 * to sit directly in the threads folder, so no id can name a path outside DATA_DIR.
 */
export class TranscriptPaths {
  readonly root: string;
  readonly threadsDir: string;
  readonly tmpDir: string;

  constructor(dataDir: string) {
    this.root = resolve(dataDir);
    this.threadsDir = resolve(this.root, 'threads');
    this.tmpDir = resolve(this.root, 'tmp');
  }

  threadFile(threadId: string): string {
    if (typeof threadId !== 'string' || !THREAD_ID_PATTERN.test(threadId)) {
      throw new RequestError(
        'invalid_request',
        'threadId: must be 1 to 64 characters of A-Z, a-z, 0-9, "_" or "-"',
      );
    }
    const file = resolve(this.threadsDir, `${threadId}.jsonl`);
    if (
      !file.startsWith(this.threadsDir + sep) ||
      file.slice(this.threadsDir.length + 1).includes(sep)
    ) {
      throw new RequestError('invalid_request', 'threadId: does not name a thread');
    }
    return file;
  }
}
