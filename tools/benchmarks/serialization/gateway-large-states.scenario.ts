import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { createClient } from '@redis/client';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'socket.io-client';
import { connectClient, GatewayProcess } from '../support/gateway-process';
import { openLoopDelayWindow, type RemoteLoopDelay } from '../support/loop-delay-window';

const SIZES_MB = [1, 5, 20];
const ROUNDS = 3;
const PORT = 39_311;
export const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
/** The bare server's two ways: the state the plain way, and its bytes made beforehand (the floor). */
const BASELINES: ReadonlyArray<[string, boolean]> = [
  ['bare socket.io, JSON.stringify', false],
  ['bare socket.io, bytes made beforehand (floor)', true],
];
const LOOP_PROBE = join(__dirname, '..', 'support', 'loop-delay-probe.js');

export interface GatewayLargeStateRow {
  sizeMb: number;
  mode: string;
  delay: RemoteLoopDelay;
  wallMs: number;
}

interface Envelope {
  type: string;
  runId: string;
  payloadEncoding?: string;
}

/**
 * The same question as the large-states scenario, asked of the built gateway as production runs
 * it, in process and with Redis: its main thread's event-loop delay (measured inside it by
 * loop-delay-probe.js) while the `loadtest` agent sends a state of 1, 5 and 20 MB to a socket.io
 * client that acknowledges; against a bare socket.io server whose state lives on its main thread,
 * sent the plain way, and the same server sending bytes it made beforehand: the floor, what any
 * server pays to hand that many bytes to a socket.
 * Needs `npx nx build gateway`.
 */
export async function runGatewayLargeStates(): Promise<GatewayLargeStateRow[]> {
  const rows = await measureGateway('gateway, in process', {});
  if (await redisAnswers()) {
    rows.push(...(await measureGateway('gateway, Redis', { REDIS_URL })));
  } else {
    console.log(`(no Redis at ${REDIS_URL}: the Redis-mode rows are skipped)`);
  }
  rows.push(...(await runBaseline()));
  return rows;
}

async function measureGateway(
  mode: string,
  env: Record<string, string>,
): Promise<GatewayLargeStateRow[]> {
  return withLoadtestGateway(env, PORT, async (gateway, sendState) => {
    const rows: GatewayLargeStateRow[] = [];
    // One unmeasured run of each size first, as a gateway that has been serving has had: the
    // first events of a size pay once for compiling their path and for the objects first-time
    // code creates and keeps, which the next collections promote (main-thread scavenges of 7 to
    // 10 ms at 20 MB; docs/BENCHMARKS.md, "Large agent states"). The baseline is warmed alike.
    for (const sizeMb of SIZES_MB) await sendState(sizeMb * 1024 * 1024);
    for (const sizeMb of SIZES_MB) {
      const window = openLoopDelayWindow(gateway.process);
      const started = performance.now();
      for (let round = 0; round < ROUNDS; round++) await sendState(sizeMb * 1024 * 1024);
      const wallMs = performance.now() - started;
      rows.push({ sizeMb, mode, delay: await window.stop(), wallMs });
    }
    return rows;
  });
}

/**
 * The built gateway with the `loadtest` agent, in its own process with the loop-delay probe, and
 * one connected client; `sendState(bytes)` runs the agent once with a state of that size and
 * waits for it to arrive. When `work` ends the gateway stops, and its data directory and, with
 * Redis, the threads it stored are removed.
 */
export async function withLoadtestGateway<T>(
  env: Record<string, string>,
  port: number,
  work: (gateway: GatewayProcess, sendState: (bytes: number) => Promise<void>) => Promise<T>,
): Promise<T> {
  const threads = new Set<string>();
  const dataDir = mkdtempSync(join(tmpdir(), 'agent-gateway-bench-'));
  const gateway = await GatewayProcess.start(
    {
      DATA_DIR: dataDir,
      ENABLE_LOADTEST_AGENT: '1',
      // 20 MB states are over the 8 MiB default on purpose.
      MAX_EVENT_BYTES: String(64 * 1024 * 1024),
      SERIALIZATION_TIMEOUT_MS: '5000',
      ...env,
    },
    port,
    { preload: [LOOP_PROBE] },
  );
  try {
    const socket = await connectClient(gateway.url, 'bench');
    const completed = completions(socket);
    try {
      return await work(gateway, async (bytes) => {
        threads.add(await runLoadtest(socket, completed, bytes));
      });
    } finally {
      socket.close();
    }
  } finally {
    await gateway.stop();
    rmSync(dataDir, { recursive: true, force: true });
    if (env['REDIS_URL'] !== undefined) await forgetThreads(env['REDIS_URL'], threads);
  }
}

/**
 * The runs' threads hold about 80 MB of states in Redis for the retention window (an hour):
 * a benchmark must not leave that behind in a Redis others use.
 */
async function forgetThreads(url: string, threadIds: Set<string>): Promise<void> {
  const client = createClient({ url });
  await client.connect();
  try {
    for (const threadId of threadIds) {
      for await (const keys of client.scanIterator({
        MATCH: `agent-gateway:thread:{${threadId}}:*`,
      })) {
        if (keys.length > 0) await client.unlink(keys);
      }
    }
  } finally {
    client.destroy();
  }
}

export function redisAnswers(): Promise<boolean> {
  const { hostname, port } = new URL(REDIS_URL);
  return new Promise((resolve) => {
    const connection = connect(Number(port), hostname, () => {
      connection.end();
      resolve(true);
    });
    connection.once('error', () => resolve(false));
    connection.setTimeout(1000, () => {
      connection.destroy();
      resolve(false);
    });
  });
}

/** Answers, per run id, when that run's agent_completed has arrived (and been acknowledged). */
function completions(socket: Socket): (runId: string) => Promise<Envelope> {
  const waiting = new Map<string, (envelope: Envelope) => void>();
  const arrived = new Map<string, Envelope>();
  const receive = (envelope: Envelope): void => {
    if (envelope.type !== 'agent_completed' && envelope.type !== 'agent_error') return;
    const resolve = waiting.get(envelope.runId);
    waiting.delete(envelope.runId);
    if (resolve === undefined) arrived.set(envelope.runId, envelope);
    else resolve(envelope);
  };
  socket.on('agent:event', (envelope: Envelope, ack?: () => void) => {
    ack?.();
    receive(envelope);
  });
  socket.on('agent:events', (envelopes: Envelope[], ack?: () => void) => {
    ack?.();
    envelopes.forEach(receive);
  });
  return (runId) => {
    const early = arrived.get(runId);
    arrived.delete(runId);
    if (early !== undefined) return Promise.resolve(early);
    return new Promise((resolve) => waiting.set(runId, resolve));
  };
}

async function runLoadtest(
  socket: Socket,
  completed: (runId: string) => Promise<Envelope>,
  stateBytes: number,
): Promise<string> {
  const reply = (await socket.timeout(30_000).emitWithAck('chat:send', {
    text: 'large state',
    agent: 'loadtest',
    options: { events: 0, stateBytes },
  })) as { ok: boolean; threadId?: string; runId?: string; error?: unknown };
  if (!reply.ok || reply.runId === undefined || reply.threadId === undefined) {
    throw new Error(`chat:send refused: ${JSON.stringify(reply)}`);
  }
  const envelope = await completed(reply.runId);
  if (envelope.type !== 'agent_completed' || envelope.payloadEncoding !== 'json') {
    throw new Error(`expected agent_completed as binary JSON, got ${JSON.stringify(envelope)}`);
  }
  return reply.threadId;
}

async function runBaseline(): Promise<GatewayLargeStateRow[]> {
  const server = fork(join(__dirname, 'plain-state-server.bench.ts'), {
    execArgv: ['-r', '@swc-node/register', '-r', LOOP_PROBE],
  });
  const rows: GatewayLargeStateRow[] = [];
  try {
    const port = await listeningPort(server);
    const socket = await connectClient(`http://127.0.0.1:${port}`, 'baseline');
    socket.on('agent:event', (_envelope: unknown, ack?: () => void) => ack?.());
    for (const sizeMb of SIZES_MB) {
      await socket.timeout(60_000).emitWithAck('state:build', { bytes: sizeMb * 1024 * 1024 });
      for (const [mode, encoded] of BASELINES) {
        // Unmeasured, as the gateway's warm-up run of each size.
        await socket.timeout(60_000).emitWithAck('state:send', { encoded });
        const window = openLoopDelayWindow(server);
        const started = performance.now();
        for (let round = 0; round < ROUNDS; round++) {
          await socket.timeout(60_000).emitWithAck('state:send', { encoded });
        }
        const wallMs = performance.now() - started;
        rows.push({ sizeMb, mode, delay: await window.stop(), wallMs });
      }
    }
    socket.close();
  } finally {
    server.kill();
  }
  return rows;
}

function listeningPort(server: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    server.on('message', (message: { type?: string; port?: number }) => {
      if (message.type === 'listening' && message.port !== undefined) resolve(message.port);
    });
    server.once('exit', (code) => reject(new Error(`baseline server exited with ${code}`)));
  });
}
