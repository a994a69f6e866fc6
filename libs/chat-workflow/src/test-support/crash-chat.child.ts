/*
 * Child process of the workflow crash test: boots the chat workflow (real engine, real files) and
 * sends chat messages on many threads at once, printing `ack <threadId> <messageId>` for each
 * `chat:send` answered ok. The parent kills it with SIGKILL at an arbitrary moment.
 * Usage: crash-chat.child.ts <dataDir> <users> <round>
 */
import { startWorkflowApp } from './workflow-test-app';

const [dataDir, usersArgument, round] = process.argv.slice(2);
if (!dataDir || !usersArgument || !round) {
  throw new Error('usage: crash-chat.child.ts <dataDir> <users> <round>');
}

async function main(): Promise<void> {
  const app = await startWorkflowApp({ dataDir: dataDir as string, fileTimeoutMs: 60_000 });
  process.stdout.write('ready\n');
  const users = Array.from({ length: Number(usersArgument) }, (_, index) => `user-${index}`);
  await Promise.all(
    users.map(async (userId) => {
      const ctx = app.connect(userId);
      let threadId: string | undefined;
      for (let sequence = 0; ; sequence += 1) {
        const text = `what is ${sequence}+${round}`;
        const answer = await app.service.send(ctx, {
          ...(threadId === undefined ? {} : { threadId }),
          text,
          clientMessageId: `${userId}-r${round}-${sequence}`,
        });
        threadId = answer.threadId;
        process.stdout.write(`ack ${answer.threadId} ${answer.messageId}\n`);
      }
    }),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`crash chat child failed: ${String(error)}\n`);
  process.exit(1);
});
