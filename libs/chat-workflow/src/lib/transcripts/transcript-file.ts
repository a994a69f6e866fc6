import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { link, open, readFile, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * The raw file operations behind transcripts, each crash-safe on its own: whatever instant the
 * process dies at, a file holds either its old content or whole new records plus at most one torn
 * last line. Nothing here waits with a limit; the store bounds every call.
 */

export interface AppendResult {
  /** File length before this append, and after it: how a cached copy knows it is current. */
  bytesBefore: number;
  bytesAfter: number;
  /** False when another process appended in between, so the lengths cannot vouch for a cache patch. */
  contiguous: boolean;
}

/**
 * Creates `file` holding `content`, or answers 'exists' and leaves the file alone. The content is
 * written and fsynced under a temporary name and then hard-linked into place: `link` fails when
 * the name is taken, so two processes sharing DATA_DIR cannot both create a thread, and nobody
 * ever sees a half-written new file.
 */
export async function createExclusive(
  tmpDir: string,
  file: string,
  content: string,
): Promise<'created' | 'exists'> {
  const temporary = join(tmpDir, `${basename(file)}.${randomUUID()}.tmp`);
  await writeDurably(temporary, content, 'wx');
  try {
    await link(temporary, file);
  } catch (error) {
    if (isErrno(error, 'EEXIST')) return 'exists';
    throw error;
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
  await syncDirectory(dirname(file));
  return 'created';
}

/**
 * Appends `content` (whole lines) and fsyncs. When the file ends mid-line (a writer died there),
 * a newline goes first so the torn fragment stays on its own line and cannot swallow this record.
 */
export async function appendDurably(file: string, content: string): Promise<AppendResult> {
  // No O_CREAT: appending to a thread that was never created is a bug, not a new thread.
  const handle = await open(file, constants.O_RDWR | constants.O_APPEND);
  try {
    const bytesBefore = (await handle.stat()).size;
    const repair = bytesBefore > 0 && !(await endsWithNewline(handle, bytesBefore));
    const data = Buffer.from(repair ? `\n${content}` : content, 'utf8');
    await writeAll(handle, data);
    await handle.datasync();
    const bytesAfter = (await handle.stat()).size;
    return { bytesBefore, bytesAfter, contiguous: bytesAfter === bytesBefore + data.length };
  } finally {
    await handle.close();
  }
}

/** The whole file, or undefined when it does not exist. */
export async function readWhole(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    throw error;
  }
}

/** The file's length, or undefined when it does not exist. */
export async function sizeOf(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).size;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    throw error;
  }
}

/** The file's first `maxBytes` (enough for its header line), or undefined when it does not exist. */
export async function readHead(file: string, maxBytes: number): Promise<Buffer | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    throw error;
  }
  try {
    const buffer = Buffer.alloc(maxBytes);
    const { bytesRead } = await handle.read(buffer, 0, maxBytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Replaces `file` atomically: temporary file, fsync, rename, fsync of the folder. */
export async function replaceAtomically(
  tmpDir: string,
  file: string,
  content: string,
): Promise<void> {
  const temporary = join(tmpDir, `${basename(file)}.${randomUUID()}.tmp`);
  try {
    await writeDurably(temporary, content, 'wx');
    await rename(temporary, file);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dirname(file));
}

async function writeDurably(file: string, content: string, flags: string): Promise<void> {
  const handle = await open(file, flags, 0o600);
  try {
    await writeAll(handle, Buffer.from(content, 'utf8'));
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function writeAll(handle: FileHandle, data: Buffer): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const { bytesWritten } = await handle.write(data, offset, data.length - offset);
    offset += bytesWritten;
  }
}

async function endsWithNewline(handle: FileHandle, size: number): Promise<boolean> {
  const last = Buffer.alloc(1);
  await handle.read(last, 0, 1, size - 1);
  return last[0] === 0x0a;
}

/** Makes a new or renamed directory entry survive a power cut, not only a process crash. */
async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

// Duck-typed on purpose: `instanceof Error` fails for errors made in another realm (Jest's vm).
export function isErrno(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}
