import { decodeRecord, type StoredMessage } from './transcript-record';

/** A thread's conversation as read back from its file. */
export interface Transcript {
  /** Undefined when the file holds no readable header (a creation that never completed). */
  owner: string | undefined;
  /** Oldest first; each id once; retracted messages left out. */
  messages: readonly StoredMessage[];
  /** File length the messages reflect: the version a cached copy is compared against. */
  bytes: number;
  /** Lines that failed their checksum: a write cut short by a crash, skipped. */
  tornRecords: number;
}

/**
 * Replays a transcript file's bytes. A torn line is skipped rather than fatal, and a message id
 * seen twice (a retry whose first write landed after its caller had given up) counts once.
 */
export function replayTranscript(content: Buffer): Transcript {
  let owner: string | undefined;
  const messages = new Map<string, StoredMessage>();
  let tornRecords = 0;
  for (const line of content.toString('utf8').split('\n')) {
    if (line.length === 0) continue;
    const record = decodeRecord(line);
    if (!record) {
      tornRecords += 1;
      continue;
    }
    switch (record.kind) {
      case 'thread':
        owner ??= record.owner;
        break;
      case 'message':
        if (!messages.has(record.id)) messages.set(record.id, toStoredMessage(record));
        break;
      case 'retract':
        messages.delete(record.id);
        break;
    }
  }
  return { owner, messages: [...messages.values()], bytes: content.length, tornRecords };
}

function toStoredMessage(record: StoredMessage & { kind: 'message' }): StoredMessage {
  const { kind: _kind, ...message } = record;
  return message;
}
