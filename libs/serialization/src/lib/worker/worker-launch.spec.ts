import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { resolveWorkerLaunch } from './worker-launch';

// A child process compiles the serializer and its worker from TypeScript: seconds on a busy machine.
jest.setTimeout(60_000);

describe('resolveWorkerLaunch', () => {
  it('runs the TypeScript worker beside it through @swc-node/register when running from sources', () => {
    const launch = resolveWorkerLaunch();

    expect(launch.filename).toBe(join(__dirname, 'serialize.worker.ts'));
    expect(launch.execArgv?.join(' ')).toContain('@swc-node/register');
    expect(launch.env?.['SWC_NODE_PROJECT']).toMatch(/tsconfig\.base\.json$/);
  });

  it('starts workers in a process that runs with V8 flags, as the gateway does', () => {
    const result = spawnSync(
      process.execPath,
      [
        '--single-threaded-gc',
        '-r',
        '@swc-node/register',
        join(__dirname, '..', 'testing', 'serialize-deferred-once.fixture.ts'),
      ],
      {
        encoding: 'utf8',
        timeout: 50_000,
        env: { ...process.env, SWC_NODE_PROJECT: resolveWorkerLaunch().env?.['SWC_NODE_PROJECT'] },
      },
    );

    expect(result.stderr).not.toMatch(/ERR_WORKER_INVALID_EXEC_ARGV/);
    expect(result.stdout).toContain('encoding=json-bytes');
  });

  it('starts a given JavaScript worker as it is', () => {
    expect(resolveWorkerLaunch('/srv/app/serialization-worker.js')).toEqual({
      filename: '/srv/app/serialization-worker.js',
    });
  });
});
