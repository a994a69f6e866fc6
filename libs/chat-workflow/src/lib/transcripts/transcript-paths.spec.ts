import { RequestError } from '@agent-gateway/events';
import { dirname, join, resolve } from 'node:path';
import { TranscriptPaths } from './transcript-paths';

describe('TranscriptPaths', () => {
  const paths = new TranscriptPaths('/srv/data');

  it('puts a valid thread id directly in DATA_DIR/threads', () => {
    const file = paths.threadFile('Thread_1-a');
    expect(file).toBe(join(resolve('/srv/data'), 'threads', 'Thread_1-a.jsonl'));
  });

  it.each([
    '../escape',
    '..',
    '.',
    'a/b',
    'a\\b',
    '/etc/passwd',
    '..%2F..%2Fetc',
    'nul\0byte',
    '',
    'x'.repeat(65),
    'thread.jsonl',
    '~root',
  ])('refuses %j as invalid_request without building a path', (threadId) => {
    let error: unknown;
    try {
      paths.threadFile(threadId);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(RequestError);
    expect((error as RequestError).code).toBe('invalid_request');
  });

  it('never resolves outside the threads folder for any accepted id', () => {
    for (const threadId of ['a', '-', '_', '--', 'A'.repeat(64)]) {
      expect(dirname(paths.threadFile(threadId))).toBe(paths.threadsDir);
    }
  });
});
