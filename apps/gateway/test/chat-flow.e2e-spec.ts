import { startGateway, type RunningGateway } from './support/gateway-harness';
import { metricValue } from './support/metrics-scrape';
import { EventRecorder, connectAs, request, type TestSocket } from './support/socket-helpers';

describe('a chat, end to end over a real socket', () => {
  let gateway: RunningGateway;
  let socket: TestSocket;

  beforeEach(async () => {
    gateway = await startGateway();
    socket = await connectAs(gateway.url, { userId: 'alice' });
  });

  afterEach(async () => {
    socket.close();
    await gateway.close();
  });

  it('streams the assistant answering "what is 2+3*4" in order, acknowledged, then keeps it in history', async () => {
    const recorder = new EventRecorder(socket);

    const reply = await request(socket, 'chat:send', { text: 'what is 2+3*4' });
    expect(reply).toMatchObject({
      ok: true,
      threadId: expect.any(String),
      runId: expect.any(String),
      messageId: expect.any(String),
    });
    if (!reply.ok) return;
    const { threadId, runId } = reply as unknown as { threadId: string; runId: string };
    await recorder.untilRunEnds(runId);

    const events = recorder.durable(threadId);
    expect(events[0].type).toBe('agent_started');
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const terminal = events.filter((e) => e.type === 'agent_completed' || e.type === 'agent_error');
    expect(terminal).toHaveLength(1);
    expect(events.at(-1)?.type).toBe('agent_completed');
    expect(JSON.stringify(events.at(-1)?.payload)).toContain('14');
    expect(events.every((e) => e.v === 1 && e.runId === runId && typeof e.ts === 'number')).toBe(
      true,
    );

    const executing = events.filter((e) => e.type === 'tool_executing');
    const completed = events.filter((e) => e.type === 'tool_completed');
    expect(executing.length).toBeGreaterThan(0);
    expect(completed.map((e) => (e.payload as { callId: string }).callId)).toEqual(
      executing.map((e) => (e.payload as { callId: string }).callId),
    );

    // The server saw every durable event it sent acknowledged.
    await recorder.until(() => recorder.acknowledged === recorder.deliveries);
    const sent = await metricValue(gateway.url, 'agent_gateway_events_sent_total');
    await expect(metricValue(gateway.url, 'agent_gateway_events_confirmed_total')).resolves.toBe(
      sent,
    );
    expect(sent).toBe(events.length);

    const history = await request(socket, 'thread:history', { threadId });
    expect(history).toMatchObject({ ok: true });
    const messages = (
      history as unknown as { messages: Array<{ role: string; text: string; runId?: string }> }
    ).messages;
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(messages[0].text).toBe('what is 2+3*4');
    expect(messages[1].text).toContain('14');
  });

  it('continues seq across runs of one thread with no gap', async () => {
    const recorder = new EventRecorder(socket);
    const first = (await request(socket, 'chat:send', { text: 'what is 1+1' })) as unknown as {
      threadId: string;
      runId: string;
    };
    await recorder.untilRunEnds(first.runId);
    const second = (await request(socket, 'chat:send', {
      threadId: first.threadId,
      text: 'what is 2*21',
    })) as unknown as {
      runId: string;
    };
    await recorder.untilRunEnds(second.runId);

    const events = recorder.durable(first.threadId);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.filter((e) => e.type === 'agent_started')).toHaveLength(2);
    expect(JSON.stringify(events.at(-1)?.payload)).toContain('42');
  });

  it('answers every validation error with invalid_request, names the field, and changes nothing', async () => {
    const badThread = await request(socket, 'chat:send', {
      threadId: '../../etc/passwd',
      text: 'hi',
    });
    expect(badThread).toEqual({
      ok: false,
      error: { code: 'invalid_request', message: expect.stringMatching(/^threadId: /) },
    });
    const noText = await request(socket, 'chat:send', {});
    expect(noText).toMatchObject({
      ok: false,
      error: { code: 'invalid_request', message: expect.stringMatching(/^text: /) },
    });
    const badSeq = await request(socket, 'thread:subscribe', { threadId: 't', afterSeq: 'x' });
    expect(badSeq).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    const tooLong = await request(socket, 'chat:send', { text: 'x'.repeat(32_001) });
    expect(tooLong).toMatchObject({ ok: false, error: { code: 'payload_too_large' } });

    // Nothing was created by the refused requests.
    const history = await request(socket, 'thread:history', { threadId: 'never-created' });
    expect(history).toMatchObject({
      ok: false,
      error: { code: expect.stringMatching(/^(not_found|forbidden)$/) },
    });
  });

  it('ignores unknown events and keeps serving the connection', async () => {
    (socket as unknown as { emit(event: string, body: unknown): void }).emit('no:such-event', {
      x: 1,
    });
    const reply = await request(socket, 'chat:send', { text: 'what is 3*3' });
    expect(reply).toMatchObject({ ok: true });
  });

  it('keeps another user from reading or following a thread', async () => {
    const recorder = new EventRecorder(socket);
    const own = (await request(socket, 'chat:send', { text: 'what is 5+5' })) as unknown as {
      threadId: string;
      runId: string;
    };
    await recorder.untilRunEnds(own.runId);
    const mallory = await connectAs(gateway.url, { userId: 'mallory' });
    try {
      const spy = new EventRecorder(mallory);
      for (const [name, body] of [
        ['thread:history', { threadId: own.threadId }],
        ['thread:subscribe', { threadId: own.threadId, afterSeq: 0 }],
        ['chat:send', { threadId: own.threadId, text: 'let me in' }],
      ] as const) {
        const reply = await request(mallory, name, body);
        expect(reply).toMatchObject({
          ok: false,
          error: { code: expect.stringMatching(/^(forbidden|not_found)$/) },
        });
      }
      expect(spy.received).toEqual([]);
    } finally {
      mallory.close();
    }
  });
});
