import { AgentGatewayClient, GatewayRequestError } from '@agent-gateway/client';
import type { DecodedEventEnvelope } from '@agent-gateway/events';
import { startGateway, type RunningGateway } from './support/gateway-harness';

describe('the @agent-gateway/client SDK against the real gateway', () => {
  let gateway: RunningGateway;
  const clients: AgentGatewayClient[] = [];

  function client(userId: string): AgentGatewayClient {
    const created = new AgentGatewayClient(gateway.url, {
      auth: { userId },
      socket: { transports: ['websocket'], reconnectionDelay: 50, reconnectionDelayMax: 200 },
    });
    clients.push(created);
    return created;
  }

  function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const deadline = Date.now() + timeoutMs;
      const poll = setInterval(() => {
        if (check()) {
          clearInterval(poll);
          resolve();
        } else if (Date.now() > deadline) {
          clearInterval(poll);
          reject(new Error('condition not met in time'));
        }
      }, 10);
    });
  }

  beforeAll(async () => {
    gateway = await startGateway({ ENABLE_LOADTEST_AGENT: '1' });
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await gateway.close();
  });

  it('hands the application each event once, in order, decoded, and answers typed results', async () => {
    const sdk = client('alice');
    await sdk.connected();
    const events: DecodedEventEnvelope[] = [];
    sdk.onEvent((e) => events.push(e));
    const sent = await sdk.send({ text: 'what is 2+3*4' });
    await until(() => events.some((e) => e.type === 'agent_completed'));
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(JSON.stringify(events.at(-1)?.payload)).toContain('14');
    const history = await sdk.history(sent.threadId);
    expect(history.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(sdk.lastSeq(sent.threadId)).toBe(events.at(-1)?.seq);
  });

  it('resumes by itself after the connection drops mid-run, losing and repeating nothing', async () => {
    const sdk = client('bob');
    await sdk.connected();
    const seqs: number[] = [];
    sdk.onEvent((e) => {
      if (!e.ephemeral) seqs.push(e.seq);
    });
    await sdk.send({ text: 'long', agent: 'loadtest', options: { events: 60, intervalMs: 10 } });
    await until(() => seqs.length >= 10);
    sdk.socket.io.engine.close();
    await until(() => seqs.length === 62);
    expect(seqs).toEqual(Array.from({ length: 62 }, (_, i) => i + 1));
  });

  it('throws GatewayRequestError with the code of a refusal, and rejects a refused handshake', async () => {
    const sdk = client('carol');
    await sdk.connected();
    await expect(sdk.history('not a valid id')).rejects.toMatchObject({
      name: 'GatewayRequestError',
      code: 'invalid_request',
    });
    await expect(sdk.send({ text: 'x', agent: 'nobody' })).rejects.toBeInstanceOf(
      GatewayRequestError,
    );
    const refused = client('');
    await expect(refused.connected()).rejects.toThrow('unauthorized');
  });

  it('stays unsubscribed from a thread unsubscribed while its subscribe was on the way, across a reconnect', async () => {
    const writer = client('dave');
    await writer.connected();
    const writerEvents: DecodedEventEnvelope[] = [];
    writer.onEvent((e) => writerEvents.push(e));
    const { threadId } = await writer.send({ text: 'what is 1+1' });
    await until(() => writerEvents.some((e) => e.type === 'agent_completed'));

    const reader = client('dave');
    await reader.connected();
    const readerEvents: DecodedEventEnvelope[] = [];
    reader.onEvent((e) => readerEvents.push(e));
    const subscribing = reader.subscribe(threadId);
    await reader.unsubscribe(threadId);
    await subscribing;
    expect(reader.lastSeq(threadId)).toBeUndefined();

    reader.socket.io.engine.close();
    await until(() => reader.socket.connected);
    const completedBefore = writerEvents.filter((e) => e.type === 'agent_completed').length;
    await writer.send({ threadId, text: 'what is 2+2' });
    await until(
      () => writerEvents.filter((e) => e.type === 'agent_completed').length > completedBefore,
    );
    // Its resume, had it followed the thread again, would have come before the run's events did.
    expect(readerEvents).toEqual([]);
    expect(reader.lastSeq(threadId)).toBeUndefined();
  });
});
