import { decodeRecord, encodeRecord, type TranscriptRecord } from './transcript-record';

const message: TranscriptRecord = {
  kind: 'message',
  id: 'm1',
  role: 'user',
  text: 'what is 2+3*4? ünïcödé ✓\nsecond line',
  ts: 1_700_000_000_000,
  clientMessageId: 'c1',
};

describe('transcript record format', () => {
  it('round-trips a record through one checksummed line', () => {
    const line = encodeRecord(message);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(line).toMatch(/^[0-9a-f]{8} \{/);
    expect(decodeRecord(line.slice(0, -1))).toEqual(message);
  });

  it('rejects a line cut short at any byte', () => {
    const line = encodeRecord(message).slice(0, -1);
    for (let length = 0; length < line.length; length += 1) {
      expect(decodeRecord(line.slice(0, length))).toBeUndefined();
    }
  });

  it('rejects a line whose content no longer matches its checksum', () => {
    const line = encodeRecord(message).slice(0, -1).replace('2+3*4', '2+3*5');
    expect(decodeRecord(line)).toBeUndefined();
  });

  it('rejects checksummed JSON that is not a transcript record', () => {
    const line = encodeRecord({ kind: 'bogus' } as unknown as TranscriptRecord).slice(0, -1);
    expect(decodeRecord(line)).toBeUndefined();
  });
});
