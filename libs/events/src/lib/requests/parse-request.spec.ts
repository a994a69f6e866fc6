import { RequestError } from '../replies/reply';
import { parseRequest } from './parse-request';
import { chatSendSchema, threadHistorySchema, threadSubscribeSchema } from './request-schemas';

function refusal(run: () => unknown): RequestError {
  try {
    run();
  } catch (error) {
    if (error instanceof RequestError) return error;
    throw error;
  }
  throw new Error('expected the request to be refused');
}

describe('parseRequest', () => {
  it('accepts a minimal chat:send and strips fields the contract does not know', () => {
    const parsed = parseRequest(chatSendSchema, { text: 'hi', extra: 1 });
    expect(parsed).toEqual({ text: 'hi' });
  });

  it('refuses a thread id that could name a path, naming the field', () => {
    const error = refusal(() => parseRequest(chatSendSchema, { threadId: '../etc', text: 'x' }));
    expect(error.code).toBe('invalid_request');
    expect(error.message).toMatch(/^threadId: must be 1 to 64 characters/);
  });

  it('refuses blank text and a missing body with one message per wrong field', () => {
    expect(refusal(() => parseRequest(chatSendSchema, { text: '   ' })).message).toBe(
      'text: must not be empty',
    );
    expect(refusal(() => parseRequest(chatSendSchema, undefined)).message).toMatch(/^body: /);
  });

  it('refuses a thread id of 65 characters and accepts one of 64', () => {
    expect(() => parseRequest(threadSubscribeSchema, { threadId: 'a'.repeat(64) })).not.toThrow();
    expect(
      refusal(() => parseRequest(threadSubscribeSchema, { threadId: 'a'.repeat(65) })).code,
    ).toBe('invalid_request');
  });

  it('refuses a negative or fractional afterSeq and a zero limit', () => {
    expect(
      refusal(() => parseRequest(threadSubscribeSchema, { threadId: 't', afterSeq: -1 })).message,
    ).toMatch(/^afterSeq: /);
    expect(
      refusal(() => parseRequest(threadSubscribeSchema, { threadId: 't', afterSeq: 1.5 })).message,
    ).toMatch(/^afterSeq: /);
    expect(
      refusal(() => parseRequest(threadHistorySchema, { threadId: 't', limit: 0 })).message,
    ).toMatch(/^limit: /);
  });

  it('takes a logId back with afterSeq, and refuses one that is no string or an empty one', () => {
    expect(
      parseRequest(threadSubscribeSchema, { threadId: 't', afterSeq: 3, logId: 'a-log' }),
    ).toEqual({ threadId: 't', afterSeq: 3, logId: 'a-log' });
    expect(
      refusal(() => parseRequest(threadSubscribeSchema, { threadId: 't', logId: 7 })).message,
    ).toMatch(/^logId: /);
    expect(
      refusal(() => parseRequest(threadSubscribeSchema, { threadId: 't', logId: '' })).message,
    ).toMatch(/^logId: /);
  });
});
