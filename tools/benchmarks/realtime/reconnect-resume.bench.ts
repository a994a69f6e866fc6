/**
 * 1 000 clients, each following a run in progress, lose their connections at once. How long
 * until each has reconnected and resumed (thread:subscribe with afterSeq answered), and did any
 * lose an event? Beside it, the same drop against a bare socket.io server.
 *
 *   npx nx build gateway
 *   node -r @swc-node/register tools/benchmarks/realtime/reconnect-resume.bench.ts [clients]
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Socket } from 'socket.io-client';
import { GatewayProcess, percentile, pool, connectClient } from '../support/gateway-process';

const CLIENTS = Number(process.argv[2] ?? 1000);
const EVENTS = 40;
const RECONNECT = { reconnectionDelay: 100, reconnectionDelayMax: 1000, randomizationFactor: 0.5 };

interface Envelope {
  threadId: string;
  runId: string;
  seq: number;
  type: string;
  ephemeral?: boolean;
}

interface Follower {
  socket: Socket;
  threadId?: string;
  /** Durable seqs by thread: a new thread's first events arrive before chat:send names it. */
  seenByThread: Map<string, Set<number>>;
  ended: boolean;
  resumeMs?: number;
}

function seenOf(follower: Follower): Set<number> {
  return follower.seenByThread.get(follower.threadId ?? '') ?? new Set();
}

function follow(socket: Socket): Follower {
  const follower: Follower = { socket, seenByThread: new Map(), ended: false };
  const receive = (envelope: Envelope): void => {
    if (envelope.ephemeral) return;
    const seen = follower.seenByThread.get(envelope.threadId) ?? new Set<number>();
    follower.seenByThread.set(envelope.threadId, seen);
    seen.add(envelope.seq);
    if (envelope.type === 'agent_completed' || envelope.type === 'agent_error')
      follower.ended = true;
  };
  socket.on('agent:event', (envelope: Envelope, ack?: () => void) => {
    receive(envelope);
    ack?.();
  });
  socket.on('agent:events', (envelopes: Envelope[], ack?: () => void) => {
    envelopes.forEach(receive);
    ack?.();
  });
  return follower;
}

/** Drops every connection at once and times each client until its resume is answered. */
async function dropAndResume(followers: Follower[]): Promise<number[]> {
  const droppedAt = performance.now();
  const resumed = followers.map(
    (follower) =>
      new Promise<void>((resolve) => {
        follower.socket.once('connect', () => {
          const seen = seenOf(follower);
          const afterSeq = seen.size === 0 ? 0 : Math.max(...seen);
          void follower.socket
            .timeout(30_000)
            .emitWithAck('thread:subscribe', {
              threadId: follower.threadId ?? 'baseline',
              afterSeq,
            })
            .then(() => {
              follower.resumeMs = performance.now() - droppedAt;
              resolve();
            });
        });
      }),
  );
  for (const follower of followers) follower.socket.io.engine.close();
  await Promise.all(resumed);
  return followers.map((f) => f.resumeMs ?? NaN);
}

async function measureGateway(): Promise<{ times: number[]; lost: number; incomplete: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'agent-gateway-bench-'));
  const gateway = await GatewayProcess.start(
    {
      DATA_DIR: dataDir,
      ENABLE_LOADTEST_AGENT: '1',
      MAX_CONCURRENT_RUNS: String(CLIENTS * 2),
      RATE_LIMIT_POINTS: '1000',
    },
    39_201,
  );
  const followers: Follower[] = [];
  try {
    await pool(CLIENTS, 100, async (i) => {
      const follower = follow(await connectClient(gateway.url, `resume-${i}`, RECONNECT));
      const reply = (await follower.socket.timeout(30_000).emitWithAck('chat:send', {
        text: 'drill',
        agent: 'loadtest',
        options: { events: EVENTS, intervalMs: 100, payloadBytes: 100 },
      })) as { ok: boolean; threadId: string };
      if (!reply.ok) throw new Error(`chat:send refused: ${JSON.stringify(reply)}`);
      follower.threadId = reply.threadId;
      followers.push(follower);
    });
    await sleep(1500);
    const times = await dropAndResume(followers);
    const deadline = Date.now() + 60_000;
    while (followers.some((f) => !f.ended) && Date.now() < deadline) await sleep(200);
    const expected = EVENTS + 2;
    const lost = followers.reduce((sum, f) => sum + (expected - seenOf(f).size), 0);
    const incomplete = followers.filter((f) => seenOf(f).size !== expected).length;
    return { times, lost, incomplete };
  } finally {
    for (const follower of followers) follower.socket.close();
    await gateway.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function measureBaseline(): Promise<number[]> {
  const port = 39_202;
  const server = fork(join(__dirname, 'plain-socketio-server.js'), {
    env: { ...process.env, PORT: String(port) },
  });
  await new Promise((resolve) => server.once('message', resolve));
  const followers: Follower[] = [];
  try {
    await pool(CLIENTS, 100, async (i) => {
      followers.push(
        follow(await connectClient(`http://127.0.0.1:${port}`, `baseline-${i}`, RECONNECT)),
      );
    });
    await sleep(500);
    return await dropAndResume(followers);
  } finally {
    for (const follower of followers) follower.socket.close();
    server.kill('SIGTERM');
  }
}

function summary(times: number[]): string {
  return `p50 ${percentile(times, 50).toFixed(0)} ms | p95 ${percentile(times, 95).toFixed(0)} ms | max ${Math.max(...times).toFixed(0)} ms`;
}

async function main(): Promise<void> {
  const baseline = await measureBaseline();
  const gateway = await measureGateway();
  console.log(
    `\n${CLIENTS} clients dropped at once (socket.io-client reconnection delay 100-1000 ms, jitter 0.5)`,
  );
  console.log('| server | reconnect + resume answered |\n| --- | --- |');
  console.log(`| bare socket.io (baseline) | ${summary(baseline)} |`);
  console.log(`| gateway, runs in progress | ${summary(gateway.times)} |`);
  console.log(
    `\np95 ratio gateway / baseline: ${(percentile(gateway.times, 95) / percentile(baseline, 95)).toFixed(2)}`,
  );
  console.log(
    `events lost: ${gateway.lost} (clients with an incomplete run: ${gateway.incomplete})`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
