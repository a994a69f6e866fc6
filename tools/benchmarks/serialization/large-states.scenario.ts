import { deferredValue } from '@agent-gateway/events';
import { buildNestedState, type SerializedPayload } from '@agent-gateway/serialization';
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Server, type Socket } from 'socket.io';
import { startSerializer } from './bench-serializer';
import { measureEventLoopDelay, pause, type LoopDelay } from './event-loop-delay';

const SIZES_MB = [1, 5, 20];
const ROUNDS = 3;
const ACK_TIMEOUT_MS = 60_000;
const GATEWAY_WORKER_THREAD_NICE = 10;

export interface LargeStateRow {
  sizeMb: number;
  mode: string;
  delay: LoopDelay;
  outcome: string;
}

/**
 * Serializes and sends agent states of 1, 5 and 20 MB over a real socket.io server on
 * 127.0.0.1 to a real socket.io-client in another process, waiting for each acknowledgement,
 * while sampling the server's event-loop delay. Three ways:
 * - `lib, deferred (worker)`: `deferredValue('nested-state', { bytes })`, built and encoded in a
 *   worker, bytes transferred back and sent as binary with payloadEncoding "json";
 * - `JSON.stringify (main)`: the state lives on the main thread and socket.io stringifies it;
 * - `lib, sliced (main)`: the same state living on the main thread, encoded in yielding slices.
 */
export async function runLargeStates(): Promise<LargeStateRow[]> {
  const http = createServer();
  const io = new Server(http, { serveClient: false });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const connected = new Promise<Socket>((resolve) => io.once('connection', resolve));
  const client = fork(join(__dirname, 'socket-client.bench.ts'), [url], {
    execArgv: ['-r', '@swc-node/register'],
  });
  const socket = await connected;
  // 20 MB states are over the 8 MiB default on purpose; a longer limit keeps a busy machine honest.
  // Workers at nice 10, as the gateway runs them (SERIALIZATION_WORKER_NICE).
  const lib = await startSerializer({
    maxEventBytes: 64 * 1024 * 1024,
    timeoutMs: 5000,
    workerThreadNice: GATEWAY_WORKER_THREAD_NICE,
  });
  const rows: LargeStateRow[] = [];
  let seq = 0;
  const send = (payload: unknown, binary: boolean): Promise<unknown> =>
    socket.timeout(ACK_TIMEOUT_MS).emitWithAck('agent:event', {
      v: 1,
      threadId: 'bench',
      runId: 'bench-run',
      seq: ++seq,
      type: 'agent_completed',
      ts: Date.now(),
      payload,
      ...(binary ? { payloadEncoding: 'json' } : {}),
    });
  const sendSerialized = async (result: SerializedPayload): Promise<string> => {
    if (result.encoding === 'json-bytes') await send(result.bytes, true);
    else await send(result.value, false);
    return result.encoding === 'truncated' ? `truncated: ${result.value.reason}` : result.encoding;
  };

  try {
    const measure = async (
      sizeMb: number,
      mode: string,
      round: () => Promise<string>,
    ): Promise<void> => {
      const outcomes: string[] = [];
      await pause(200);
      const delay = await measureEventLoopDelay(async () => {
        for (let index = 0; index < ROUNDS; index++) outcomes.push(await round());
      });
      rows.push({ sizeMb, mode, delay, outcome: [...new Set(outcomes)].join(', ') });
    };
    // One unmeasured send first: the first large packet also pays for compiling the send path.
    await sendSerialized(
      await lib.serializer.serialize({ state: deferredValue('nested-state', { bytes: 1 << 20 }) }),
    );
    // Deferred states first, every size, while the main heap has never held a state nor its
    // garbage: with deferred values a gateway's main heap never does.
    for (const sizeMb of SIZES_MB) {
      const bytes = sizeMb * 1024 * 1024;
      await measure(sizeMb, 'lib, deferred (worker)', async () =>
        sendSerialized(
          await lib.serializer.serialize({
            output: { text: 'done', state: deferredValue('nested-state', { bytes }) },
            durationMs: 1,
          }),
        ),
      );
    }
    for (const sizeMb of SIZES_MB) {
      // Built before measuring: an agent's state exists before it is sent.
      const state = buildNestedState(sizeMb * 1024 * 1024);
      await measure(sizeMb, 'JSON.stringify (main)', async () => {
        await send({ output: { text: 'done', state }, durationMs: 1 }, false);
        return 'json';
      });
      await measure(sizeMb, 'lib, sliced (main)', async () =>
        sendSerialized(
          await lib.serializer.serialize({ output: { text: 'done', state }, durationMs: 1 }),
        ),
      );
    }
  } finally {
    await lib.close();
    client.kill();
    await io.close();
  }
  return rows;
}
