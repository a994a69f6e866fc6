import { appendFile, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  mergeAcknowledged,
  runAndKill,
  type Acknowledged,
} from '../../test-support/kill-after-acks';
import { makeTempDir, removeTempDir } from '../../test-support/temp-dir';
import { replayTranscript } from './transcript';
import { encodeRecord } from './transcript-record';

const THREADS = 8;
const ROUNDS = 4;

describe('transcripts survive SIGKILL at any moment', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await makeTempDir('crash');
  });

  afterAll(async () => {
    await removeTempDir(dataDir);
  });

  it(`keeps every acknowledged message readable across ${ROUNDS} kills of a busy writer`, async () => {
    const acknowledged: Acknowledged = new Map();
    for (let round = 1; round <= ROUNDS; round += 1) {
      // Different kill points each round; the property must hold at all of them.
      const acks = await runAndKill(
        'crash-writer.child.ts',
        [dataDir, String(THREADS), String(round)],
        40 + round * 37,
      );
      mergeAcknowledged(acknowledged, acks);

      const files = await readdir(join(dataDir, 'threads'));
      for (const file of files) {
        const transcript = replayTranscript(await readFile(join(dataDir, 'threads', file)));
        const threadId = file.replace(/\.jsonl$/, '');
        expect(transcript.owner).toBe('crash-owner');
        const present = new Set(transcript.messages.map((message) => message.id));
        expect(present.size).toBe(transcript.messages.length);
        for (const id of acknowledged.get(threadId) ?? []) {
          if (!present.has(id))
            throw new Error(`round ${round}: acknowledged ${id} is missing from ${file}`);
        }
        // Within one writer's life a thread's messages are in the order they were acknowledged.
        const ofRound = transcript.messages
          .map((message) => message.id)
          .filter((id) => id.includes(`-r${round}-`));
        const ackedOfRound = (acknowledged.get(threadId) ?? []).filter((id) =>
          id.includes(`-r${round}-`),
        );
        expect(ofRound.slice(0, ackedOfRound.length)).toEqual(ackedOfRound);
      }

      // SIGKILL never splits one write() of a regular file, but a power cut can: leave a torn
      // record at the end of every other transcript, which the next writer must step past.
      for (const file of files.filter((_, index) => index % 2 === 0)) {
        const torn = encodeRecord({
          kind: 'message',
          id: `torn-${round}`,
          role: 'user',
          text: 'lost',
          ts: 0,
        });
        await appendFile(join(dataDir, 'threads', file), torn.slice(0, torn.length / 2));
      }
    }
    const files = await readdir(join(dataDir, 'threads'));
    let torn = 0;
    for (const file of files) {
      const transcript = replayTranscript(await readFile(join(dataDir, 'threads', file)));
      torn += transcript.tornRecords;
      expect(transcript.messages.some((message) => message.id.startsWith('torn-'))).toBe(false);
    }
    expect(torn).toBeGreaterThanOrEqual(ROUNDS);
    const total = [...acknowledged.values()].reduce((sum, ids) => sum + ids.length, 0);
    expect(total).toBeGreaterThan(ROUNDS * 40);
  }, 60_000);
});
