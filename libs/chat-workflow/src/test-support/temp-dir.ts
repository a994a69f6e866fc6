import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh directory under os.tmpdir() for one test file; remove it in afterAll/afterEach. */
export async function makeTempDir(label: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `chat-workflow-${label}-`));
}

export async function removeTempDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
