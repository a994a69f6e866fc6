import { join } from 'node:path';
import { resolveWorkerLaunch } from './worker-launch';

describe('resolveWorkerLaunch', () => {
  it('runs the TypeScript worker beside it through @swc-node/register when running from sources', () => {
    const launch = resolveWorkerLaunch();

    expect(launch.filename).toBe(join(__dirname, 'serialize.worker.ts'));
    expect(launch.execArgv?.join(' ')).toContain('@swc-node/register');
    expect(launch.env?.['SWC_NODE_PROJECT']).toMatch(/tsconfig\.base\.json$/);
  });

  it('starts a given JavaScript worker as it is', () => {
    expect(resolveWorkerLaunch('/srv/app/serialization-worker.js')).toEqual({
      filename: '/srv/app/serialization-worker.js',
    });
  });
});
