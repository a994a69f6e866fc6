/**
 * Durable events delivered per second to clients that acknowledge them. Beside it, in the same
 * run: a bare socket.io server sending the same number of events unacknowledged, and with one
 * acknowledgement per event (what the gateway's batching is there to avoid).
 *
 *   npx nx build gateway
 *   node -r @swc-node/register tools/benchmarks/realtime/delivery-throughput.bench.ts [events] [rounds]
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'socket.io-client';
import { GatewayProcess, percentile, connectClient } from '../support/gateway-process';

const EVENTS = Number(process.argv[2] ?? 5000);
const ROUNDS = Number(process.argv[3] ?? 5);
const BYTES = 100;

/**
 * Resolves when `socket` has received (and acknowledged) `count` distinct durable seqs of a
 * thread; rejects if the socket is disconnected first, rather than waiting for ever. The gateway
 * cuts off a client more than `maxOutboxEvents` (10 000) events behind (`outbox_full`), and this
 * benchmark's bare client does not resume as the SDK would: a flood far larger than that can end so.
 */
function receiveAll(socket: Socket, count: number): Promise<void> {
  const seen = new Set<number>();
  return new Promise((resolve, reject) => {
    const stop = (): void => {
      socket.off('agent:event');
      socket.off('agent:events');
      socket.off('disconnect', onDisconnect);
    };
    const onDisconnect = (reason: string): void => {
      stop();
      reject(
        new Error(
          `disconnected (${reason}) after ${seen.size} of ${count} events: a client this far ` +
            'behind is cut off (outbox_full) and this benchmark does not resume; send fewer events',
        ),
      );
    };
    const receive = (
      envelopes: Array<{ seq: number; ephemeral?: boolean }>,
      ack?: () => void,
    ): void => {
      ack?.();
      for (const envelope of envelopes) if (!envelope.ephemeral) seen.add(envelope.seq);
      if (seen.size >= count) {
        stop();
        resolve();
      }
    };
    socket.on('disconnect', onDisconnect);
    socket.on('agent:event', (envelope: { seq: number }, ack?: () => void) =>
      receive([envelope], ack),
    );
    socket.on('agent:events', (envelopes: Array<{ seq: number }>, ack?: () => void) =>
      receive(envelopes, ack),
    );
  });
}

async function baseline(acked: boolean): Promise<number[]> {
  const port = 39_301;
  const server = fork(join(__dirname, 'plain-emit-server.js'), {
    env: { ...process.env, PORT: String(port) },
  });
  await new Promise((resolve) => server.once('message', resolve));
  const socket = await connectClient(`http://127.0.0.1:${port}`, 'baseline');
  const rates: number[] = [];
  try {
    for (let round = 0; round < ROUNDS; round += 1) {
      const received = receiveAll(socket, EVENTS);
      const startedAt = performance.now();
      await socket.timeout(120_000).emitWithAck('burst', { count: EVENTS, bytes: BYTES, acked });
      await received;
      rates.push(EVENTS / ((performance.now() - startedAt) / 1000));
    }
  } finally {
    socket.close();
    server.kill('SIGTERM');
  }
  return rates;
}

interface GatewayRounds {
  rates: number[];
  /** The gateway process's CPU time per event delivered (to one subscriber), in microseconds. */
  cpuMicrosPerEvent: number[];
}

async function gatewayRates(subscribers: number): Promise<GatewayRounds> {
  const dataDir = mkdtempSync(join(tmpdir(), 'agent-gateway-bench-'));
  const gateway = await GatewayProcess.start(
    {
      DATA_DIR: dataDir,
      ENABLE_LOADTEST_AGENT: '1',
      MAX_CONNECTIONS_PER_USER: String(subscribers + 1),
    },
    39_302,
  );
  const rates: number[] = [];
  const cpuMicrosPerEvent: number[] = [];
  try {
    const sockets = await Promise.all(
      Array.from({ length: subscribers }, () => connectClient(gateway.url, 'reader')),
    );
    for (let round = 0; round < ROUNDS; round += 1) {
      const [sender, ...others] = sockets;
      const total = EVENTS + 2;
      const cpuBefore = await gateway.cpuSeconds();
      const startedAt = performance.now();
      const first = receiveAll(sender, total);
      const reply = (await sender.timeout(30_000).emitWithAck('chat:send', {
        text: 'throughput',
        agent: 'loadtest',
        options: { events: EVENTS, payloadBytes: BYTES },
      })) as { ok: boolean; threadId: string };
      if (!reply.ok) throw new Error(`chat:send refused: ${JSON.stringify(reply)}`);
      const rest = others.map(async (socket) => {
        const all = receiveAll(socket, total);
        await socket
          .timeout(30_000)
          .emitWithAck('thread:subscribe', { threadId: reply.threadId, afterSeq: 0 });
        await all;
      });
      await Promise.all([first, ...rest]);
      rates.push((total * subscribers) / ((performance.now() - startedAt) / 1000));
      const cpu = (await gateway.cpuSeconds()) - cpuBefore;
      cpuMicrosPerEvent.push((cpu * 1e6) / (total * subscribers));
    }
    for (const socket of sockets) socket.close();
  } finally {
    await gateway.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return { rates, cpuMicrosPerEvent };
}

function median(values: number[]): number {
  return percentile(values, 50);
}

async function main(): Promise<void> {
  const unacked = median(await baseline(false));
  const perEventAcks = median(await baseline(true));
  const gatewayOne = await gatewayRates(1);
  const gatewayTen = await gatewayRates(10);
  const row = (label: string, rate: number, cpu = ''): string =>
    `| ${label} | ${Math.round(rate).toLocaleString('en')} | ${(rate / unacked).toFixed(2)} | ${cpu} |`;
  const cpuCell = (rounds: GatewayRounds): string => median(rounds.cpuMicrosPerEvent).toFixed(1);
  console.log(`\n${EVENTS} events of ${BYTES} characters, median of ${ROUNDS} rounds`);
  console.log(
    '| delivery | events/s received | vs bare unacknowledged | gateway CPU µs per event delivered |',
  );
  console.log('| --- | --- | --- | --- |');
  console.log(row('bare socket.io, unacknowledged (baseline)', unacked));
  console.log(row('bare socket.io, one acknowledgement per event (baseline)', perEventAcks));
  console.log(
    row(
      'gateway: agent run, log, acknowledged batches, 1 subscriber',
      median(gatewayOne.rates),
      cpuCell(gatewayOne),
    ),
  );
  console.log(
    row(
      'gateway: same, 10 subscribers (events/s summed)',
      median(gatewayTen.rates),
      cpuCell(gatewayTen),
    ),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
