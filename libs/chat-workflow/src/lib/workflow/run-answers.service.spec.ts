import type { RunOutcome } from '@agent-gateway/agent-engine';
import type { ResolvedChatWorkflowOptions } from '../chat-workflow.options';
import type { ConversationHistory } from '../history-cache/conversation-history.service';
import { BackgroundWork } from '../shared/background-work.service';
import { RunAnswers } from './run-answers.service';

/** A transcript whose appends wait until the spec lets them finish. */
function heldConversation() {
  const appended: unknown[] = [];
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  const conversation = {
    append: async (_threadId: string, messages: unknown[]) => {
      await held;
      appended.push(...messages);
    },
  } as unknown as ConversationHistory;
  return { conversation, appended, release: () => release() };
}

describe('RunAnswers', () => {
  it('lets a history read wait for the answer being written, and only for it', async () => {
    const { conversation, appended, release } = heldConversation();
    const background = new BackgroundWork({} as ResolvedChatWorkflowOptions);
    const answers = new RunAnswers(conversation, background);
    const outcome = { status: 'completed', output: 'the answer is 14' } as RunOutcome;
    let recorded = false;
    const recording = answers.record('thread-1', 'run-1', outcome).then(() => (recorded = true));
    await new Promise((resolve) => setImmediate(resolve));

    let written = false;
    const waiting = answers.written('thread-1', 60_000).then(() => (written = true));
    await answers.written('another-thread', 60_000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(written).toBe(false);

    // What the engine awaits before agent_completed settles only once the answer is written.
    expect(recorded).toBe(false);
    release();
    await waiting;
    await recording;
    expect(appended).toMatchObject([
      { role: 'assistant', text: 'the answer is 14', runId: 'run-1' },
    ]);
    await background.drain();
  });

  it('gives up waiting after its bound, so a hung disk does not hang a history read', async () => {
    const { conversation, release } = heldConversation();
    const background = new BackgroundWork({} as ResolvedChatWorkflowOptions);
    const answers = new RunAnswers(conversation, background);
    void answers.record('thread-1', 'run-1', { status: 'completed', output: 'x' } as RunOutcome);
    await new Promise((resolve) => setImmediate(resolve));
    jest.useFakeTimers();
    try {
      let written = false;
      const waiting = answers.written('thread-1', 5_000).then(() => (written = true));
      await jest.advanceTimersByTimeAsync(4_999);
      expect(written).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      await waiting;
      expect(written).toBe(true);
    } finally {
      jest.useRealTimers();
      release();
      await background.drain();
    }
  });
});
