import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, type RunningGateway } from './support/gateway-harness';
import { EventRecorder, connectAs, request } from './support/socket-helpers';

/** Long enough that the stop is still waiting for the run when chat:send arrives; the run is cancelled. */
const SHUTDOWN_GRACE_MS = 5000;
/** GracefulShutdown's time for the final acknowledgements, part of the announced reconnectAfterMs. */
const FINAL_DELIVERY_MS = 2000;

describe('chat:send during a graceful stop', () => {
  let dataDir: string;
  let gateway: RunningGateway | undefined;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'agent-gateway-shutdown-'));
  });

  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  const start = async () =>
    startGateway({
      DATA_DIR: dataDir,
      ENABLE_LOADTEST_AGENT: '1',
      SHUTDOWN_GRACE_MS: String(SHUTDOWN_GRACE_MS),
    });

  it('is refused with unavailable and retryAfterMs, writes nothing, and its retry after the restart gets its run', async () => {
    gateway = await start();
    const socket = await connectAs(gateway.url, { userId: 'alice' });
    const recorder = new EventRecorder(socket);
    const announced = new Promise<{ reconnectAfterMs: number }>((resolve) =>
      socket.once('server:shutdown', resolve),
    );
    const running = await request(socket, 'chat:send', {
      text: 'long',
      agent: 'loadtest',
      options: { events: 1000, intervalMs: 50 },
    });
    if (!running.ok) throw new Error(JSON.stringify(running.error));
    const threadId = running['threadId'] as string;
    await recorder.until(() => recorder.durable(threadId).length >= 2);

    const closing = gateway.close();
    gateway = undefined;
    const { reconnectAfterMs } = await announced;
    const send = { threadId, text: 'sent during the stop', clientMessageId: 'during-stop' };
    const during = await request(socket, 'chat:send', send);
    const history = await request(socket, 'thread:history', { threadId });
    await request(socket, 'run:cancel', { runId: running['runId'] });
    await closing;

    expect(reconnectAfterMs).toBe(SHUTDOWN_GRACE_MS + FINAL_DELIVERY_MS);
    expect(during).toEqual({
      ok: false,
      error: {
        code: 'unavailable',
        message: expect.stringContaining('shutting down'),
        retryAfterMs: expect.any(Number),
      },
    });
    const { retryAfterMs } = (during as { error: { retryAfterMs: number } }).error;
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(reconnectAfterMs);
    expect(history).toMatchObject({ ok: true, messages: [{ role: 'user', text: 'long' }] });

    gateway = await start();
    const again = await connectAs(gateway.url, { userId: 'alice' });
    const againRecorder = new EventRecorder(again);
    const retried = await request(again, 'chat:send', send);
    if (!retried.ok) throw new Error(JSON.stringify(retried.error));
    expect(retried).toMatchObject({ threadId });
    const retriedRunId = retried['runId'] as string;
    await againRecorder.untilRunEnds(retriedRunId);
    expect(againRecorder.durable(threadId).at(-1)).toMatchObject({
      runId: retriedRunId,
      type: 'agent_completed',
    });
    const after = await request(again, 'thread:history', { threadId });
    expect(
      (after as unknown as { messages: { role: string; text: string }[] }).messages
        .filter((message) => message.role === 'user')
        .map((message) => message.text),
    ).toEqual(['long', 'sent during the stop']);
    socket.close();
    again.close();
  });
});
