import type { AgentEventPayloads } from '@agent-gateway/events';
import { PacketType } from 'socket.io-parser';
import { EnvelopePacketEncoder } from '../wire/envelope-packet-encoder';
import { isProvenPlain, plainPayload } from '../wire/proven-plain';
import type { UnsequencedEnvelope } from './event-log.store';
import { InMemoryEventLogStore, type KeptPayloads } from './in-memory-event-log.store';

function draft(threadId: string, ts: number, text = 'x'): UnsequencedEnvelope {
  return { v: 1, threadId, runId: 'r1', type: 'agent_thinking', ts, payload: { text } };
}

/** A marked `tool_completed` of thread `t`, as the publisher builds it. */
function toolCompleted(payload: AgentEventPayloads['tool_completed']): UnsequencedEnvelope {
  return {
    v: 1,
    threadId: 't',
    runId: 'r1',
    type: 'tool_completed',
    ts: 1,
    ...plainPayload(payload),
  };
}

describe('InMemoryEventLogStore', () => {
  it('numbers each thread from 1 with no gap, independently of other threads', async () => {
    const log = new InMemoryEventLogStore(1000, 60_000);
    const seqs = await Promise.all([
      log.append('a', draft('a', 1)),
      log.append('b', draft('b', 1)),
      log.append('a', draft('a', 2)),
      log.append('a', draft('a', 3)),
    ]);
    expect(seqs.map((e) => `${e.threadId}${e.seq}`)).toEqual(['a1', 'b1', 'a2', 'a3']);
    await expect(log.lastSeq('a')).resolves.toBe(3);
    await expect(log.lastSeq('never')).resolves.toBe(0);
  });

  it("names its numbering once for the process's life: another log (a restarted gateway) has another", async () => {
    const log = new InMemoryEventLogStore(10, 1000);
    const first = await log.position('a');
    await log.append('a', draft('a', 1));
    await log.sweep(Date.now() + 10_000);
    // Idle past retention: its events are gone, its numbering goes on, under the same name.
    await expect(log.position('a')).resolves.toEqual({ lastSeq: 1, logId: first.logId });
    await expect(log.position('b')).resolves.toEqual({ lastSeq: 0, logId: first.logId });
    const restarted = await new InMemoryEventLogStore(10, 1000).position('a');
    expect(restarted).toEqual({ lastSeq: 0, logId: expect.any(String) });
    expect(restarted.logId).not.toBe(first.logId);
  });

  it('reads what comes after a seq, in order and in pages', async () => {
    const log = new InMemoryEventLogStore(1000, 60_000);
    for (let i = 0; i < 10; i += 1) await log.append('t', draft('t', i, `e${i + 1}`));
    const page = await log.readAfter('t', 3, 4);
    expect(page.map((e) => e.seq)).toEqual([4, 5, 6, 7]);
    await expect(log.readAfter('t', 10, 5)).resolves.toEqual([]);
  });

  it('keeps the last `retention` events of a busy thread however old, and drops older ones', async () => {
    const log = new InMemoryEventLogStore(3, 1000);
    for (let i = 0; i < 5; i += 1) await log.append('t', draft('t', 0));
    await log.append('t', draft('t', 10_000));
    const dropped = await log.sweep(10_500);
    expect(dropped).toBe(3);
    const kept = await log.readAfter('t', 0, 100);
    expect(kept.map((e) => e.seq)).toEqual([4, 5, 6]);
  });

  it('keeps recent events beyond the count', async () => {
    const log = new InMemoryEventLogStore(2, 1000);
    for (let i = 0; i < 5; i += 1) await log.append('t', draft('t', 10_000));
    await expect(log.sweep(10_500)).resolves.toBe(0);
    await expect(log.readAfter('t', 0, 100)).resolves.toHaveLength(5);
  });

  it('forgets an idle thread past the window but never reuses its seq numbers', async () => {
    const log = new InMemoryEventLogStore(1000, 1000);
    await log.append('t', draft('t', 0));
    await log.append('t', draft('t', 0));
    await expect(log.sweep(5000)).resolves.toBe(2);
    await expect(log.readAfter('t', 0, 100)).resolves.toEqual([]);
    const next = await log.append('t', draft('t', 5000));
    expect(next.seq).toBe(3);
  });

  it('tells which binary payloads it keeps for replay, and when it drops them', async () => {
    const told: string[] = [];
    const kept: KeptPayloads = {
      retainResult: (bytes) => told.push(`retain ${Buffer.from(bytes).toString()}`),
      releaseResult: (bytes) => told.push(`release ${Buffer.from(bytes).toString()}`),
    };
    const log = new InMemoryEventLogStore(1, 1000, kept);
    const binary = (ts: number, json: string): UnsequencedEnvelope => ({
      ...draft('t', ts),
      payload: Buffer.from(json),
      payloadEncoding: 'json',
    });
    await log.append('t', binary(0, '"old"'));
    await log.append('t', draft('t', 0, 'plain'));
    await log.append('t', binary(4500, '"new"'));
    expect(told).toEqual(['retain "old"', 'retain "new"']);

    // Retention 1 and a 1 s window: the two older events go, the recent one stays...
    await expect(log.sweep(5000)).resolves.toBe(2);
    expect(told).toEqual(['retain "old"', 'retain "new"', 'release "old"']);
    // ...until the thread has been idle past the window.
    await expect(log.sweep(9000)).resolves.toBe(1);
    expect(told).toEqual(['retain "old"', 'retain "new"', 'release "old"', 'release "new"']);
  });

  it('replays a plain payload as it was appended, whatever its producer changes afterwards', async () => {
    const log = new InMemoryEventLogStore(1000, 60_000);
    // The serializer's fast path hands the caller's own object back: a tool that keeps its
    // result and changes it later must not rewrite what a resuming client replays.
    const result = { rows: [{ id: 1, status: 'open' }], total: 1 };
    const payload = { tool: 'tickets', callId: 'r1:1', ok: true, result, durationMs: 3 };
    const appended = await log.append('t', toolCompleted(payload));
    result.rows[0].status = 'closed';
    result.rows.push({ id: 2, status: 'open' });
    payload.ok = false;

    const [replayed] = await log.readAfter('t', 0, 10);
    expect(replayed).toMatchObject({ seq: appended.seq, type: 'tool_completed' });
    expect(replayed.payload).toEqual({
      tool: 'tickets',
      callId: 'r1:1',
      ok: true,
      result: { rows: [{ id: 1, status: 'open' }], total: 1 },
      durationMs: 3,
    });
    // Still framed without socket.io's search for binary data, as it was live.
    expect(isProvenPlain(replayed)).toBe(true);
    const [again] = await log.readAfter('t', 0, 10);
    expect(again.payload).toEqual(replayed.payload);
  });

  it('hands live delivery an envelope the wire writes as appended, whatever its producer changes', async () => {
    const log = new InMemoryEventLogStore(1000, 60_000);
    const result = { rows: [{ id: 1, status: 'open' }] };
    const appended = await log.append(
      't',
      toolCompleted({ tool: 'tickets', callId: 'r1:1', ok: true, result, durationMs: 3 }),
    );
    const asAppended = JSON.stringify(appended);
    // Changed while the send waits in an outbox behind an unacknowledged one.
    result.rows[0].status = 'closed';

    const packet = { type: PacketType.EVENT, nsp: '/', id: 4, data: ['agent:event', appended] };
    expect(new EnvelopePacketEncoder().encode(packet)).toEqual([
      `${PacketType.EVENT}4["agent:event",${asAppended}]`,
    ]);
  });

  it('keeps an unmarked envelope unmarked when it replays it', async () => {
    const log = new InMemoryEventLogStore(1000, 60_000);
    const payload = { text: 'before' };
    await log.append('t', { ...draft('t', 1), payload });
    payload.text = 'after';
    const [replayed] = await log.readAfter('t', 0, 10);
    expect(replayed.payload).toEqual({ text: 'before' });
    expect(isProvenPlain(replayed)).toBe(false);
  });

  it('refuses a payload that is not JSON with a clear error, and gives it no seq', async () => {
    const log = new InMemoryEventLogStore(1000, 60_000);
    await expect(
      log.append('t', { ...draft('t', 1), payload: { count: 1n } as never }),
    ).rejects.toThrow(/payload of agent_thinking .* is not JSON.*serializer/);
    await expect(log.lastSeq('t')).resolves.toBe(0);
    await expect(log.append('t', draft('t', 2))).resolves.toMatchObject({ seq: 1 });
  });

  it('parses a page of long payloads a slice at a time, with the event loop free in between', async () => {
    const log = new InMemoryEventLogStore(1000, 60_000);
    const texts = ['a', 'b', 'c', 'd'].map((letter) => letter.repeat(300_000));
    for (const text of texts) await log.append('t', draft('t', 1, text));

    const order: string[] = [];
    const read = log.readAfter('t', 0, 10).then((page) => {
      order.push('read');
      return page;
    });
    setImmediate(() => order.push('event loop'));
    const page = await read;
    expect(order).toEqual(['event loop', 'read']);
    expect(page.map((event) => (event.payload as { text: string }).text)).toEqual(texts);
  });
});
