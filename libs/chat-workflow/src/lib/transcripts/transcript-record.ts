import { crc32 } from 'node:zlib';
import type { HistoryMessage } from '@agent-gateway/events';

/** First record of every transcript: who owns the thread. Written once, never changed. */
export interface ThreadRecord {
  kind: 'thread';
  threadId: string;
  owner: string;
  ts: number;
}

/** A message as the transcript keeps it; `clientMessageId` lets a retry find its first attempt. */
export interface StoredMessage extends HistoryMessage {
  clientMessageId?: string;
}

export interface MessageRecord extends StoredMessage {
  kind: 'message';
}

/** Withdraws a message whose run was refused after the message had been written. */
export interface RetractRecord {
  kind: 'retract';
  id: string;
  ts: number;
}

export type TranscriptRecord = ThreadRecord | MessageRecord | RetractRecord;

/**
 * One record per line: `<crc32 of the JSON, 8 hex digits> <JSON>\n`. The checksum tells a record
 * cut short by a crash (or glued to the next one) from a whole one, whatever byte it stopped at.
 */
export function encodeRecord(record: TranscriptRecord): string {
  const json = JSON.stringify(record);
  return `${checksum(json)} ${json}\n`;
}

/** The record on one line (without its `\n`), or undefined when the line is torn or foreign. */
export function decodeRecord(line: string): TranscriptRecord | undefined {
  if (line.length < 10 || line[8] !== ' ') return undefined;
  const json = line.slice(9);
  if (checksum(json) !== line.slice(0, 8)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  return isRecord(value) ? value : undefined;
}

function checksum(json: string): string {
  return crc32(Buffer.from(json, 'utf8')).toString(16).padStart(8, '0');
}

function isRecord(value: unknown): value is TranscriptRecord {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  switch (record['kind']) {
    case 'thread':
      return typeof record['threadId'] === 'string' && typeof record['owner'] === 'string';
    case 'message':
      return (
        typeof record['id'] === 'string' &&
        (record['role'] === 'user' || record['role'] === 'assistant') &&
        typeof record['text'] === 'string' &&
        typeof record['ts'] === 'number'
      );
    case 'retract':
      return typeof record['id'] === 'string';
    default:
      return false;
  }
}
