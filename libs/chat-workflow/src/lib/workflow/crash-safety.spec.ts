import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  mergeAcknowledged,
  runAndKill,
  type Acknowledged,
} from '../../test-support/kill-after-acks';
import { makeTempDir, removeTempDir } from '../../test-support/temp-dir';
import { replayTranscript } from '../transcripts/transcript';

const USERS = 4;
const ROUNDS = 3;

describe('chat:send answered ok survives SIGKILL of the gateway', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await makeTempDir('chat-crash');
  });

  afterAll(async () => {
    await removeTempDir(dataDir);
  });

  it(`keeps every acknowledged message, each answer after its question, across ${ROUNDS} kills`, async () => {
    const acknowledged: Acknowledged = new Map();
    for (let round = 1; round <= ROUNDS; round += 1) {
      const acks = await runAndKill(
        'crash-chat.child.ts',
        [dataDir, String(USERS), String(round)],
        30 + round * 23,
      );
      mergeAcknowledged(acknowledged, acks);

      for (const file of await readdir(join(dataDir, 'threads'))) {
        const threadId = file.replace(/\.jsonl$/, '');
        const transcript = replayTranscript(await readFile(join(dataDir, 'threads', file)));
        expect(transcript.owner).toMatch(/^user-\d+$/);
        const ids = transcript.messages.map((message) => message.id);
        for (const id of acknowledged.get(threadId) ?? []) {
          if (!ids.includes(id)) throw new Error(`round ${round}: ${id} missing from ${file}`);
        }
        const questionAt = new Map(
          transcript.messages.flatMap((message, index) =>
            message.role === 'user' ? [[message.runId, index] as const] : [],
          ),
        );
        transcript.messages.forEach((message, index) => {
          if (message.role !== 'assistant') return;
          expect(questionAt.get(message.runId)).toBeLessThan(index);
        });
      }
    }
    expect([...acknowledged.values()].flat().length).toBeGreaterThanOrEqual(ROUNDS * 30);
  }, 60_000);
});
