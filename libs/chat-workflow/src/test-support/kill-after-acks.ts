import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

const WORKSPACE_ROOT = resolve(__dirname, '../../../..');

/** Acknowledged message ids per thread, in the order the child reported them. */
export type Acknowledged = Map<string, string[]>;

/**
 * Runs a TypeScript child (`<name>.child.ts` beside this file) that prints
 * `ack <threadId> <messageId>` for each message it was told is durable, and SIGKILLs it right
 * after the `killAfterAcks`-th one, mid-stream. Resolves with everything it acknowledged.
 */
export async function runAndKill(
  child: string,
  args: readonly string[],
  killAfterAcks: number,
): Promise<Acknowledged> {
  const process_ = spawn(
    process.execPath,
    ['-r', '@swc-node/register', join(__dirname, child), ...args],
    {
      cwd: WORKSPACE_ROOT,
      // @swc-node/register reads ./tsconfig.json; the path aliases and decorators are in the base.
      env: { ...process.env, SWC_NODE_PROJECT: join(WORKSPACE_ROOT, 'tsconfig.base.json') },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const acknowledged: Acknowledged = new Map();
  let count = 0;
  let buffered = '';
  let stderr = '';
  process_.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | null>((done) =>
    process_.once('exit', (_code, signal) => done(signal)),
  );
  process_.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      const [kind, threadId, id] = line.split(' ');
      if (kind !== 'ack' || !threadId || !id) continue;
      acknowledged.set(threadId, [...(acknowledged.get(threadId) ?? []), id]);
      count += 1;
      if (count === killAfterAcks) process_.kill('SIGKILL');
    }
  });
  const signal = await exited;
  if (signal !== 'SIGKILL') {
    throw new Error(`${child} ended by itself (${String(signal)}) after ${count} acks: ${stderr}`);
  }
  return acknowledged;
}

export function mergeAcknowledged(into: Acknowledged, more: Acknowledged): void {
  for (const [threadId, ids] of more) into.set(threadId, [...(into.get(threadId) ?? []), ...ids]);
}
