/**
 * Is the gateway's memory flat under churn? Heap and RSS (after a full GC) of the built gateway,
 * in its own process, at the start and through 100 000 connect/disconnect cycles and 10 000
 * threads. Target: the end within 10% of the start.
 *
 *   npx nx build gateway
 *   node -r @swc-node/register tools/benchmarks/realtime/memory-churn.bench.ts [cycles] [threads]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { GatewayProcess, mib, pool, connectClient } from '../support/gateway-process';

const CYCLES = Number(process.argv[2] ?? 100_000);
const THREADS = Number(process.argv[3] ?? 10_000);
const PORT = 39_101;
const RETENTION_MS = 2000;

async function churnConnections(url: string, count: number): Promise<void> {
  await pool(count, 64, async (i) => {
    const socket = await connectClient(url, `churn-${i % 5000}`);
    socket.close();
  });
}

/** Each thread: one chat:send on a new thread, waiting for its run to end. */
async function churnThreads(url: string, count: number): Promise<void> {
  const workers = 40;
  const sockets = await Promise.all(
    Array.from({ length: workers }, (_, i) => connectClient(url, `threads-${i}`)),
  );
  await pool(count, workers, async (i) => {
    const socket = sockets[i % workers];
    const ended = new Promise<void>((resolve) => {
      const isEnd = (envelope: { type: string }): boolean =>
        envelope.type === 'agent_completed' || envelope.type === 'agent_error';
      const onEvent = (envelope: { type: string }, ack?: () => void): void => {
        ack?.();
        if (isEnd(envelope)) done();
      };
      const onEvents = (envelopes: Array<{ type: string }>, ack?: () => void): void => {
        ack?.();
        if (envelopes.some(isEnd)) done();
      };
      const done = (): void => {
        socket.off('agent:event', onEvent);
        socket.off('agent:events', onEvents);
        resolve();
      };
      socket.on('agent:event', onEvent);
      socket.on('agent:events', onEvents);
    });
    const reply = (await socket.timeout(10_000).emitWithAck('chat:send', {
      text: `thread ${i}`,
      agent: 'loadtest',
      options: { events: 2, payloadBytes: 256 },
    })) as { ok: boolean };
    if (!reply.ok) throw new Error(`chat:send refused: ${JSON.stringify(reply)}`);
    await ended;
  });
  for (const socket of sockets) socket.close();
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'agent-gateway-bench-'));
  const gateway = await GatewayProcess.start(
    {
      DATA_DIR: dataDir,
      ENABLE_LOADTEST_AGENT: '1',
      // Every time-bounded window short, so the run reaches its steady state: what stays is what leaks.
      EVENT_RETENTION_MS: String(RETENTION_MS),
      DEDUP_TTL_MS: String(RETENTION_MS),
      // Bounded caches filled during the warm-up: growth past it is not a cache filling up.
      HISTORY_CACHE_MAX_THREADS: '500',
      CLEANUP_INTERVAL_MS: '500',
      RATE_LIMIT_POINTS: '100000',
      MAX_TOTAL_CONNECTIONS: '100000',
    },
    PORT,
  );
  const rows: Array<[string, { heapUsed: number; rss: number }]> = [];
  try {
    // Warm-up: JIT, pools and caches reach their working size before the start is measured.
    await churnConnections(gateway.url, CYCLES / 10);
    await churnThreads(gateway.url, THREADS / 10);
    await sleep(RETENTION_MS + 1000);
    const start = await gateway.memoryAfterGc();
    rows.push(['start (after warm-up)', start]);
    console.log(`start: heap ${mib(start.heapUsed)}, RSS ${mib(start.rss)}`);

    const startedAt = Date.now();
    for (let quarter = 1; quarter <= 4; quarter += 1) {
      await churnConnections(gateway.url, CYCLES / 4);
      await churnThreads(gateway.url, THREADS / 4);
      const point = await gateway.memoryAfterGc();
      rows.push([`${(quarter * CYCLES) / 4} cycles, ${(quarter * THREADS) / 4} threads`, point]);
      console.log(`${quarter}/4: heap ${mib(point.heapUsed)}, RSS ${mib(point.rss)}`);
    }
    const elapsedS = (Date.now() - startedAt) / 1000;
    await sleep(RETENTION_MS + 1000);
    const end = await gateway.memoryAfterGc();
    rows.push(['end (retention window passed)', end]);

    console.log(
      `\nGateway memory after GC, ${CYCLES} connect/disconnect cycles and ${THREADS} threads in ${elapsedS.toFixed(0)} s`,
    );
    console.log('| point | heap used | RSS |\n| --- | --- | --- |');
    for (const [label, m] of rows) console.log(`| ${label} | ${mib(m.heapUsed)} | ${mib(m.rss)} |`);
    const heapRatio = end.heapUsed / start.heapUsed;
    const rssRatio = end.rss / start.rss;
    console.log(
      `\nend / start: heap ${heapRatio.toFixed(3)}, RSS ${rssRatio.toFixed(3)} (target: within 1.10)`,
    );
    console.log(
      heapRatio <= 1.1 && rssRatio <= 1.1
        ? 'FLAT: within 10% of the start'
        : 'NOT FLAT: more than 10% above the start',
    );
  } finally {
    await gateway.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
