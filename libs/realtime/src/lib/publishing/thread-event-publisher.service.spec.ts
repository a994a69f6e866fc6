import { Test, type TestingModule } from '@nestjs/testing';
import type { AgentEventDraft, EventEnvelope } from '@agent-gateway/events';
import { SerializationModule } from '@agent-gateway/serialization';
import { Registry } from 'prom-client';
import { PacketType } from 'socket.io-parser';
import { EVENT_LOG_STORE } from '../event-log/event-log.store';
import { InMemoryEventLogStore } from '../event-log/in-memory-event-log.store';
import { InProcessThreadEventBus } from '../fanout/in-process-thread-event-bus';
import { THREAD_EVENT_BUS } from '../fanout/thread-event-bus';
import { EnvelopePacketEncoder } from '../wire/envelope-packet-encoder';
import { isProvenPlain } from '../wire/proven-plain';
import { ThreadEventPublisher } from './thread-event-publisher.service';

function draft<T extends AgentEventDraft['type']>(
  type: T,
  payload: AgentEventDraft<T>['payload'],
): AgentEventDraft<T> {
  return { threadId: 'thread-1', runId: 'run-1', type, payload } as AgentEventDraft<T>;
}

describe('ThreadEventPublisher', () => {
  let moduleRef: TestingModule;
  let publisher: ThreadEventPublisher;
  const published: EventEnvelope[] = [];
  const log = new InMemoryEventLogStore(1000, 3_600_000);

  beforeAll(async () => {
    const bus = new InProcessThreadEventBus();
    bus.subscribe((envelope) => published.push(envelope));
    moduleRef = await Test.createTestingModule({
      imports: [
        {
          module: class MetricsRegistryModule {},
          global: true,
          providers: [{ provide: Registry, useValue: new Registry() }],
          exports: [Registry],
        },
        SerializationModule.forRoot({}),
      ],
      providers: [
        ThreadEventPublisher,
        { provide: EVENT_LOG_STORE, useValue: log },
        { provide: THREAD_EVENT_BUS, useValue: bus },
      ],
    }).compile();
    await moduleRef.init();
    publisher = moduleRef.get(ThreadEventPublisher);
  });

  afterAll(() => moduleRef.close());

  /** A tool that returns the list it keeps: the fast path hands that very object on. */
  function publishTickets(threadId: string, tickets: object[]): Promise<void> {
    const runId = `${threadId}-run`;
    return publisher.publish({
      threadId,
      runId,
      type: 'tool_completed',
      payload: { tool: 'tickets', callId: `${runId}:1`, ok: true, result: tickets, durationMs: 2 },
    });
  }

  it('numbers durable events, gives ephemeral ones the last seq, and marks plain payloads', async () => {
    const before = Date.now();
    await publisher.publish(draft('agent_started', { agent: 'assistant', input: 'hi' }));
    await publisher.publish(draft('agent_progress', { delta: 'to' }));
    await publisher.publish(draft('agent_thinking', { text: 'x'.repeat(40_000) }));

    const [started, progress, large] = published;
    expect(started).toMatchObject({
      v: 1,
      threadId: 'thread-1',
      runId: 'run-1',
      seq: 1,
      type: 'agent_started',
      payload: { agent: 'assistant', input: 'hi' },
    });
    expect(started.ts).toBeGreaterThanOrEqual(before);
    expect(progress).toMatchObject({ seq: 1, type: 'agent_progress', ephemeral: true });
    expect(progress.payload).toEqual({ delta: 'to' });
    // The serializer proved both plain JSON; the wire encoder may frame them without a search.
    expect(isProvenPlain(started)).toBe(true);
    expect(isProvenPlain(progress)).toBe(true);
    // Over the inline threshold: encoded bytes, sent as binary, never marked plain.
    expect(large).toMatchObject({ seq: 2, type: 'agent_thinking', payloadEncoding: 'json' });
    expect(Buffer.isBuffer(large.payload)).toBe(true);
    expect(isProvenPlain(large)).toBe(false);
    expect(JSON.parse(JSON.stringify(started))).not.toHaveProperty('ephemeral');
  });

  it('replays an event as it was published, though its payload object changed afterwards', async () => {
    const openTickets = [{ id: 7, title: 'printer on fire' }];
    await publishTickets('thread-2', openTickets);
    expect(published.at(-1)?.payload).toMatchObject({ result: openTickets });
    openTickets.length = 0;

    const [replayed] = await log.readAfter('thread-2', 0, 10);
    expect(replayed.payload).toMatchObject({ result: [{ id: 7, title: 'printer on fire' }] });
  });

  it('sends a live event as it was published, though its payload changed while the send waited', async () => {
    const openTickets = [{ id: 8, title: 'coffee machine empty' }];
    await publishTickets('thread-3', openTickets);
    const live = published.at(-1) as EventEnvelope;
    const asPublished = JSON.stringify(live);
    openTickets.length = 0;

    // The gateway's encoder, as the outbox's socket uses it when the event's turn comes.
    const packet = { type: PacketType.EVENT, nsp: '/', id: 9, data: ['agent:event', live] };
    expect(new EnvelopePacketEncoder().encode(packet)).toEqual([
      `${PacketType.EVENT}9["agent:event",${asPublished}]`,
    ]);
  });
});
