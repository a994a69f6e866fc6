/**
 * What sharing worker results costs in memory. Workers hand results back in shared memory, which
 * V8 does not count (libs/serialization/README.md, "Shared results"), so the main thread's
 * collector no longer hurries to reclaim them. This sends `count` states of `mb` MB through the
 * built gateway, in process and with Redis, with results shared (the default) and transferred
 * (SERIALIZATION_SHARED_RESULT_BYTES=0), and prints after every state the process's RSS, the shared
 * bytes held (unretained; retained by the in-process log), how many results came back
 * transferred, the main thread's major collections so far, and its longest event-loop delay
 * while the state was sent (the first sends, cold, left out of the summary). No collection is
 * forced: what is held is what the collector left.
 *
 *   npx nx build gateway
 *   node -r @swc-node/register tools/benchmarks/serialization/shared-results-memory.bench.ts [count] [mb]
 */
import { GatewayProcess, mib, percentile } from '../support/gateway-process';
import { openLoopDelayWindow } from '../support/loop-delay-window';
import { REDIS_URL, redisAnswers, withLoadtestGateway } from './gateway-large-states.scenario';

const COUNT = Number(process.argv[2] ?? 30);
const STATE_MB = Number(process.argv[3] ?? 20);
const PORT = 39_321;
/** The first sends after a start pay for compiling their path (see the gateway scenario). */
const COLD_STATES = 3;
const RSS = 'agent_gateway_process_process_resident_memory_bytes';
const SHARED_HELD = 'agent_gateway_serialization_shared_result_bytes{state="unretained"}';
const SHARED_RETAINED = 'agent_gateway_serialization_shared_result_bytes{state="retained"}';
const TRANSFERRED = 'agent_gateway_serialization_worker_results_total{handover="transferred"}';
const MAJOR_GCS = 'agent_gateway_process_nodejs_gc_duration_seconds_count{kind="major"}';

interface Trace {
  label: string;
  rss: number[];
  held: number[];
  retained: number[];
  /** The event loop's longest delay while each state was sent, ms. */
  loopMaxMs: number[];
  transferred: number;
  majorGcs: number[];
}

async function trace(label: string, env: Record<string, string>): Promise<Trace> {
  const result: Trace = {
    label,
    rss: [],
    held: [],
    retained: [],
    loopMaxMs: [],
    transferred: 0,
    majorGcs: [],
  };
  await withLoadtestGateway(env, PORT, async (gateway, sendState) => {
    for (let i = 0; i < COUNT; i++) {
      const window = openLoopDelayWindow(gateway.process);
      await sendState(STATE_MB * 1024 * 1024);
      const delay = await window.stop();
      result.loopMaxMs.push(delay.maxMs);
      // LOOP_PROBE_SCHEDSTAT=1: whose a long turn was, ours (running) or the machine's
      // (waiting for a core, or stolen by the hypervisor).
      if (delay.longestTurn !== undefined && delay.maxMs >= 15) {
        const { ms, runningMs, waitingMs, stolenMs } = delay.longestTurn;
        console.log(
          `${label}, state ${i + 1}: longest turn ${ms.toFixed(1)} ms, running ` +
            `${runningMs.toFixed(1)}, waiting ${waitingMs.toFixed(1)}, machine's steal ${stolenMs}`,
        );
      }
      const [rss, held, retained, transferred] = await gateway.readMetrics(
        RSS,
        SHARED_HELD,
        SHARED_RETAINED,
        TRANSFERRED,
      );
      result.rss.push(rss);
      result.held.push(held);
      result.retained.push(retained);
      result.transferred = transferred;
      result.majorGcs.push(await majorCollections(gateway));
    }
  });
  return result;
}

/** The series appears with the first major collection. */
async function majorCollections(gateway: GatewayProcess): Promise<number> {
  const text = await (await fetch(`${gateway.url}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${MAJOR_GCS} `));
  return line === undefined ? 0 : Number(line.split(' ')[1]);
}

function summarize(t: Trace): string {
  const maxRss = Math.max(...t.rss);
  const maxHeld = Math.max(...t.held);
  const warm = t.loopMaxMs.slice(COLD_STATES);
  const cells = [
    t.label,
    mib(maxRss),
    mib(t.rss.at(-1) ?? 0),
    mib(maxHeld),
    mib(t.retained.at(-1) ?? 0),
    `${t.transferred} of ${t.rss.length}`,
    String(t.majorGcs.at(-1) ?? 0),
    `${percentile(warm, 50).toFixed(1)} / ${Math.max(...warm).toFixed(1)}`,
    `${warm.filter((ms) => ms >= 20).length} of ${warm.length}`,
  ];
  return `| ${cells.join(' | ')} |`;
}

async function main(): Promise<void> {
  const modes: Array<[string, Record<string, string>]> = [['in process', {}]];
  if (await redisAnswers()) modes.push(['Redis', { REDIS_URL }]);
  else console.log(`(no Redis at ${REDIS_URL}: the Redis rows are skipped)`);
  const traces: Trace[] = [];
  for (const [mode, env] of modes) {
    traces.push(await trace(`${mode}, shared`, env));
    traces.push(
      await trace(`${mode}, transferred`, { ...env, SERIALIZATION_SHARED_RESULT_BYTES: '0' }),
    );
  }
  console.log(`\n## ${COUNT} states of ${STATE_MB} MB, one after another (no collection forced)`);
  console.log(
    '| gateway | RSS max | RSS end | unretained shared max | retained at end | transferred | ' +
      `major GCs | loop max per state, median / max (ms, states ${COLD_STATES + 1}+) | ` +
      'states at 20 ms or more |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const t of traces) console.log(summarize(t));
  console.log('\nper state, RSS in MiB (unretained shared bytes held, MiB):');
  for (const t of traces) {
    const points = t.rss.map(
      (rss, i) => `${(rss / 2 ** 20).toFixed(0)}(${(t.held[i] / 2 ** 20).toFixed(0)})`,
    );
    console.log(`${t.label}: ${points.join(' ')}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
