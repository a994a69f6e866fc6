import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** How piscina starts a serialization worker. */
export interface WorkerLaunch {
  filename: string;
  execArgv?: string[];
  env?: NodeJS.ProcessEnv;
}

/** File name of the worker bundle next to the gateway's `main.js` (see README). */
export const BUNDLED_WORKER_FILENAME = 'serialization-worker.js';

/**
 * Where the worker is and how to start it:
 * - `workerFilename` given: that file.
 * - running from TypeScript sources (Jest, `node -r @swc-node/register`): the `.ts` worker beside
 *   this file, compiled on load by @swc-node/register, told where the workspace path aliases are.
 * - bundled (this code lives in `dist/apps/gateway/main.js`): `serialization-worker.js` beside it.
 */
export function resolveWorkerLaunch(workerFilename?: string): WorkerLaunch {
  const runningFromSources = __filename.endsWith('.ts');
  const filename =
    workerFilename ??
    (runningFromSources
      ? join(__dirname, 'serialize.worker.ts')
      : join(__dirname, BUNDLED_WORKER_FILENAME));
  if (!filename.endsWith('.ts')) return { filename };
  // Only the hook that compiles the worker: a worker refuses V8 and process-wide flags the
  // parent may run with (--single-threaded-gc, --max-old-space-size, ...) when they are passed
  // to it explicitly.
  const execArgv = ['--require', '@swc-node/register'];
  const tsconfig = process.env['SWC_NODE_PROJECT'] ?? findWorkspaceTsconfig(dirname(filename));
  return {
    filename,
    execArgv,
    env: tsconfig === undefined ? process.env : { ...process.env, SWC_NODE_PROJECT: tsconfig },
  };
}

// @swc-node/register reads ./tsconfig.json by default; the workspace aliases live in the base one.
function findWorkspaceTsconfig(from: string): string | undefined {
  for (let directory = from; ; directory = dirname(directory)) {
    const candidate = join(directory, 'tsconfig.base.json');
    if (existsSync(candidate)) return candidate;
    if (dirname(directory) === directory) return undefined;
  }
}

export function toAbsolutePaths(files: readonly string[]): string[] {
  return files.map((file) => resolve(file));
}
