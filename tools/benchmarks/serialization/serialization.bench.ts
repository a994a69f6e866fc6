import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { GATEWAY_NODE_FLAGS } from '../support/gateway-process';

/*
 * Entry point: node -r @swc-node/register tools/benchmarks/serialization/serialization.bench.ts
 * Runs every scenario; name some (threshold, small, large, gateway, shapes) after it to run only those.
 *
 * @swc-node/register reads ./tsconfig.json, but the workspace keeps its path aliases
 * (@agent-gateway/*) in tsconfig.base.json: the measurements run in a child told where they are.
 * The child is killed if it outlives HARD_LIMIT_MS, so the run always ends by itself.
 */
const HARD_LIMIT_MS = 8 * 60_000;
const workspaceRoot = join(__dirname, '..', '..', '..');

const child = spawn(
  process.execPath,
  [
    // The gateway's own node flags: the lib is measured as the gateway runs it.
    ...GATEWAY_NODE_FLAGS,
    '-r',
    '@swc-node/register',
    join(__dirname, 'measurements.bench.ts'),
    ...process.argv.slice(2),
  ],
  {
    stdio: 'inherit',
    cwd: workspaceRoot,
    env: { ...process.env, SWC_NODE_PROJECT: join(workspaceRoot, 'tsconfig.base.json') },
  },
);
const limit = setTimeout(() => {
  console.error(`Benchmark still running after ${HARD_LIMIT_MS / 1000} s: killed.`);
  child.kill('SIGKILL');
}, HARD_LIMIT_MS);
child.on('exit', (code, signal) => {
  clearTimeout(limit);
  process.exit(code ?? (signal === null ? 0 : 1));
});
