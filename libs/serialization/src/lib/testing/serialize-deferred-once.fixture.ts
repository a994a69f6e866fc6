import { deferredValue } from '@agent-gateway/events';
import { compileSerializer } from './compile-serializer';

/*
 * Run as its own process by worker-launch.spec.ts, with the node flags under test: starts the
 * serializer from sources, has a worker build a deferred value, prints the result's encoding.
 */
async function main(): Promise<void> {
  const compiled = await compileSerializer({ poolSize: 1, skipWarmUp: true, timeoutMs: 20_000 });
  try {
    const result = await compiled.serializer.serialize({
      state: deferredValue('nested-state', { bytes: 1000 }),
    });
    process.stdout.write(`encoding=${result.encoding}\n`);
  } finally {
    await compiled.moduleRef.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
