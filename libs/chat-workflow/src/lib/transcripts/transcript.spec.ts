import { replayTranscript } from './transcript';
import { encodeRecord, type TranscriptRecord } from './transcript-record';

const header: TranscriptRecord = { kind: 'thread', threadId: 't1', owner: 'alice', ts: 1 };
const user = (id: string, text = id): TranscriptRecord => ({
  kind: 'message',
  id,
  role: 'user',
  text,
  ts: 2,
});

function file(...parts: string[]): Buffer {
  return Buffer.from(parts.join(''), 'utf8');
}

describe('replayTranscript', () => {
  it('reads the owner and the messages in file order', () => {
    const transcript = replayTranscript(
      file(encodeRecord(header), encodeRecord(user('m1')), encodeRecord(user('m2'))),
    );
    expect(transcript.owner).toBe('alice');
    expect(transcript.messages.map((message) => message.id)).toEqual(['m1', 'm2']);
    expect(transcript.tornRecords).toBe(0);
  });

  it('skips a torn last record and keeps everything before it', () => {
    const torn = encodeRecord(user('m2')).slice(0, 25);
    const transcript = replayTranscript(file(encodeRecord(header), encodeRecord(user('m1')), torn));
    expect(transcript.messages.map((message) => message.id)).toEqual(['m1']);
    expect(transcript.tornRecords).toBe(1);
  });

  it('keeps a record appended after a torn fragment that was closed with a newline', () => {
    const torn = encodeRecord(user('m2')).slice(0, 25);
    const transcript = replayTranscript(
      file(encodeRecord(header), torn, '\n', encodeRecord(user('m3'))),
    );
    expect(transcript.messages.map((message) => message.id)).toEqual(['m3']);
    expect(transcript.tornRecords).toBe(1);
  });

  it('counts a message id written twice once, keeping the first', () => {
    const transcript = replayTranscript(
      file(
        encodeRecord(header),
        encodeRecord(user('m1', 'first')),
        encodeRecord(user('m1', 'again')),
      ),
    );
    expect(transcript.messages).toEqual([expect.objectContaining({ id: 'm1', text: 'first' })]);
  });

  it('leaves out a retracted message', () => {
    const transcript = replayTranscript(
      file(
        encodeRecord(header),
        encodeRecord(user('m1')),
        encodeRecord(user('m2')),
        encodeRecord({ kind: 'retract', id: 'm1', ts: 3 }),
      ),
    );
    expect(transcript.messages.map((message) => message.id)).toEqual(['m2']);
  });

  it('has no owner when the header never made it', () => {
    expect(replayTranscript(file(encodeRecord(header).slice(0, 12))).owner).toBeUndefined();
  });
});
