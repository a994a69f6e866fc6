import type { EventEnvelope } from '@agent-gateway/events';
import { withSeq } from '../event-log/with-seq';
import type { UnsequencedEnvelope } from '../event-log/event-log.store';
import { decodeSequenced, encodeSequenced } from '../event-log/stored-envelope.codec';
import { EnvelopeJsonWriter } from './envelope-json';
import { plainPayload } from './proven-plain';

function unsequenced(
  payload: unknown,
  ids: { threadId?: string; runId?: string } = {},
): UnsequencedEnvelope {
  return {
    v: 1,
    threadId: ids.threadId ?? 'thread-1',
    runId: ids.runId ?? 'run-1',
    type: 'tool_completed',
    ts: 1_700_000_000_123,
    ...plainPayload(payload),
  } as UnsequencedEnvelope;
}

/** The writer's text is exactly `JSON.stringify`'s, byte for byte. */
function expectWrittenAsJsonDoes(writer: EnvelopeJsonWriter, envelope: object): void {
  expect(writer.write(envelope)).toBe(JSON.stringify(envelope));
}

const TOOL_RESULT = {
  tool: 'calculator',
  callId: 'call-7f3a',
  ok: true,
  result: { expression: '2+3*4', value: 14, parts: [2, 3.5, -4, null, 'x'] },
  durationMs: 3,
};

describe('EnvelopeJsonWriter', () => {
  it('writes what JSON.stringify writes, byte for byte, for envelopes the log numbers', () => {
    const writer = new EnvelopeJsonWriter();
    const envelopes = [
      withSeq(unsequenced(TOOL_RESULT), 41),
      withSeq(unsequenced({ delta: 'token ' }), 41, true),
      withSeq(unsequenced({ text: 'quote " slash \\ \n \u2028 é 😀 </script>' }), 42),
      withSeq(unsequenced({ truncated: true, reason: 'timeout' }), 43),
      withSeq(unsequenced([1, 'two', { three: [] }]), 44),
      withSeq(unsequenced('a string payload'), 45),
      withSeq(unsequenced(null), 46),
    ];
    for (const envelope of envelopes) {
      expectWrittenAsJsonDoes(writer, envelope);
    }
  });

  describe('flat payloads (text, tokens, errors), written without JSON.stringify', () => {
    const flatTypes = [
      'agent_started',
      'agent_thinking',
      'agent_progress',
      'agent_error',
      'agent_completed',
    ] as const;
    const payloads: unknown[] = [
      { text: 'Let me work through this step by step. '.repeat(6) },
      { delta: 'token ' },
      { delta: '' },
      { text: 'quote " backslash \\ newline \n tab \t nul \u0000 unit \u001f del \u007f' },
      { text: 'separators \u2028 \u2029, é, 😀 (a pair), a lone \ud800 and \udfff' },
      { 'key "quoted"': 'v', 'key\nline': 'w' },
      { code: 'timeout', message: 'took too long', retryAfterMs: 1500 },
      { n: 0, m: -0, small: 1.5e-7, big: 1e21, neg: -3 },
      { yes: true, no: false, none: null },
      { '2': 'two', '1': 'one', b: 'b', a: 'a' },
      { a: 1, b: 2, c: 3, d: 4, e: 5 },
      { output: { text: '14' }, durationMs: 3 },
      { output: '14', durationMs: 3 },
      { list: [1, 2] },
      ['an', 'array'],
      'a string payload',
      null,
      {},
    ];
    it.each(flatTypes)('writes what JSON.stringify writes: %s', (type) => {
      const writer = new EnvelopeJsonWriter();
      for (const payload of payloads) {
        const envelope = { ...withSeq(unsequenced(payload), 5), type };
        expectWrittenAsJsonDoes(writer, envelope);
      }
    });

    it('writes what JSON.stringify writes for a thousand random texts and keys', () => {
      const pool = [
        'a',
        'Z',
        ' ',
        '"',
        '\\',
        '\n',
        '\u0000',
        '\u001f',
        '\u007f',
        'é',
        '\u2028',
        '😀',
        '\ud83d',
        '\ude00',
        '{',
        '}',
      ];
      let seed = 42;
      const next = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648);
      const text = (): string =>
        Array.from({ length: next() % 12 }, () => pool[next() % pool.length]).join('');
      const writer = new EnvelopeJsonWriter();
      for (let round = 0; round < 1000; round++) {
        const envelope = withSeq(unsequenced({ [text()]: text(), [text()]: text() }), round);
        const thinking = { ...envelope, type: 'agent_thinking' };
        expectWrittenAsJsonDoes(writer, thinking);
      }
    });
  });

  it('writes the same JSON for an envelope decoded from the Redis log, whose keys come in another order', () => {
    const writer = new EnvelopeJsonWriter();
    const decoded = decodeSequenced(encodeSequenced(withSeq(unsequenced(TOOL_RESULT), 7)));
    const text = writer.write(decoded);
    expect(text).toBeDefined();
    expect(JSON.parse(text as string)).toEqual(JSON.parse(JSON.stringify(decoded)));
  });

  it('quotes ids that need escaping, and an event type the contract does not list', () => {
    const writer = new EnvelopeJsonWriter();
    const envelope = {
      ...withSeq(unsequenced(TOOL_RESULT, { threadId: 't"1\\', runId: 'r\u00e9\n' }), 1),
      type: 'custom "type"',
    };
    expectWrittenAsJsonDoes(writer, envelope);
  });

  it('never writes a run’s kept header onto an envelope whose thread or version differ', () => {
    const writer = new EnvelopeJsonWriter();
    const first = withSeq(unsequenced(TOOL_RESULT), 1);
    expectWrittenAsJsonDoes(writer, first);
    // Same run id, another thread (a copy someone changed): the kept header must not be reused.
    const otherThread = { ...first, threadId: 'thread-2' };
    expectWrittenAsJsonDoes(writer, otherThread);
    const otherVersion = { ...first, v: 2 };
    expectWrittenAsJsonDoes(writer, otherVersion);
    expectWrittenAsJsonDoes(writer, first);
  });

  it('stringifies an envelope going to many sockets once, and writes the next one afresh', () => {
    const writer = new EnvelopeJsonWriter();
    const first = withSeq(unsequenced(TOOL_RESULT), 1);
    const second = withSeq(unsequenced({ ...TOOL_RESULT, durationMs: 4 }), 2);
    const [firstText, secondText] = [JSON.stringify(first), JSON.stringify(second)];
    writer.write(withSeq(unsequenced(TOOL_RESULT), 0)); // the run's header is kept from here on
    const stringify = jest.spyOn(JSON, 'stringify');
    try {
      expect([writer.write(first), writer.write(first), writer.write(first)]).toEqual([
        firstText,
        firstText,
        firstText,
      ]);
      expect(stringify).toHaveBeenCalledTimes(1);
      expect(writer.write(second)).toBe(secondText);
      expect(stringify).toHaveBeenCalledTimes(2);
    } finally {
      stringify.mockRestore();
    }
  });

  it('writes each run’s own header when the events of several runs interleave', () => {
    const writer = new EnvelopeJsonWriter();
    const runs = [
      { threadId: 'thread-a', runId: 'run-a' },
      { threadId: 'thread-b', runId: 'run-b' },
      { threadId: 'thread-c', runId: 'run-a' }, // a run id seen before, on another thread
    ];
    for (let seq = 1; seq <= 9; seq++) {
      const envelope = withSeq(unsequenced(TOOL_RESULT, runs[seq % runs.length]), seq);
      expectWrittenAsJsonDoes(writer, envelope);
    }
  });

  it('forgets a run’s header at its terminal event, and still writes the run right after', () => {
    const writer = new EnvelopeJsonWriter();
    const events = [
      withSeq(unsequenced(TOOL_RESULT, { runId: 'run-a' }), 1),
      withSeq(unsequenced(TOOL_RESULT, { runId: 'run-b' }), 2),
      {
        ...withSeq(unsequenced({ output: { text: '14' } }, { runId: 'run-a' }), 3),
        type: 'agent_completed',
      },
    ];
    for (const envelope of events.slice(0, 2)) writer.write(envelope);
    expect(writer.keptRuns).toBe(2);
    expectWrittenAsJsonDoes(writer, events[2]);
    expect(writer.keptRuns).toBe(1);
    const error = {
      ...withSeq(unsequenced({ code: 'timeout' }, { runId: 'run-b' }), 4),
      type: 'agent_error',
    };
    expectWrittenAsJsonDoes(writer, error);
    expect(writer.keptRuns).toBe(0);
    // A resend of the terminal event (or a late event) quotes the header again, rightly.
    expect(writer.write({ ...events[2] })).toBe(JSON.stringify(events[2]));
  });

  it('stays right past the number of runs it keeps, and keeps no more than that', () => {
    const writer = new EnvelopeJsonWriter(3);
    for (let run = 0; run < 10; run++) {
      const envelope = withSeq(unsequenced(TOOL_RESULT, { runId: `run-${run}` }), run);
      expectWrittenAsJsonDoes(writer, envelope);
      expect(writer.keptRuns).toBeLessThanOrEqual(3);
    }
  });

  it.each<[string, Record<string, unknown>]>([
    ['a binary payload', { payloadEncoding: 'json', payload: Buffer.from('{}') }],
    ['a seq that is not a number', { seq: '3' }],
    ['a seq JSON writes as null', { seq: Number.NaN }],
    ['a ts JSON writes as null', { ts: Number.POSITIVE_INFINITY }],
    ['a version that is not a number', { v: '1' }],
    ['an ephemeral flag that is not true', { ephemeral: false }],
    ['a type that is not a string', { type: 7 }],
    ['a thread id that is not a string', { threadId: 5 }],
    ['a run id that is not a string', { runId: undefined }],
    ['a payload JSON leaves out', { payload: undefined }],
  ])('leaves %s to JSON.stringify', (_case, change) => {
    const envelope = { ...withSeq(unsequenced(TOOL_RESULT), 1), ...change } as EventEnvelope;
    expect(new EnvelopeJsonWriter().write(envelope)).toBeUndefined();
  });
});
