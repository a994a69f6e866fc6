import { AgentGatewayClient } from '@agent-gateway/client';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startGateway, type RunningGateway } from './support/gateway-harness';
import { recordEvents } from './support/sdk-helpers';
import { until } from '@agent-gateway/test-support';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('the web chat page in a real browser', () => {
  let gateway: RunningGateway;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium not found at ${CHROMIUM}: apt-get install -y chromium, or set CHROMIUM_PATH`,
      );
    }
    gateway = await startGateway();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
  });

  it('asks the assistant, streams its steps, answers 14, and shows the conversation again after a reload', async () => {
    const page = await browser.newPage();
    await page.goto(gateway.url);
    await page.locator('#status.online').waitFor({ timeout: 10_000 });

    await page.fill('#text', 'what is 2+3*4');
    await page.click('#send');
    const answer = page.locator('.msg.assistant').last();
    await answer.waitFor({ timeout: 10_000 });
    await expect(answer.textContent()).resolves.toContain('14');
    const steps = await page.locator('.msg.step').allTextContents();
    expect(steps[0]).toBe('▶ assistant started');
    expect(steps.some((step) => step.includes('calculator'))).toBe(true);
    if (process.env.CHAT_PAGE_SCREENSHOT)
      await page.screenshot({ path: process.env.CHAT_PAGE_SCREENSHOT });

    await page.reload();
    await page.locator('#status.online').waitFor({ timeout: 10_000 });
    await page.locator('.msg.assistant').first().waitFor({ timeout: 10_000 });
    const texts = await page.locator('.msg.user, .msg.assistant').allTextContents();
    expect(texts[0]).toBe('what is 2+3*4');
    expect(texts[1]).toContain('14');
  }, 40_000);

  it("shows a new thread's answer after reconnecting as another user, whose thread it cannot resume", async () => {
    const page = await browser.newPage();
    await page.goto(gateway.url);
    await page.locator('#status.online').waitFor({ timeout: 10_000 });
    await page.fill('#text', 'what is 2+3*4');
    await page.click('#send');
    await page.locator('.msg.assistant', { hasText: '14' }).waitFor({ timeout: 10_000 });

    // The page remembers that thread and how far it got; the new user may not resume it.
    await page.fill('#user', `someone-else-${Date.now()}`);
    await page.click('#connect');
    await page.locator('#status.online').waitFor({ timeout: 10_000 });
    await page.fill('#text', 'what is 1+1');
    await page.click('#send');

    await page.locator('.msg.assistant', { hasText: '= 2' }).waitFor({ timeout: 10_000 });
  }, 40_000);

  /** How many runs the page showed starting. */
  function startedRuns(page: Page): Promise<number> {
    return page.locator('.msg.step', { hasText: '▶ assistant started' }).count();
  }

  /**
   * The page asks `pageQuestions` on one thread (reloading after the first, so that it resumes
   * once, as a page that reconnected before does), the in-process gateway restarts (keeping the
   * transcripts, not the log: it numbers the thread from 1 again), and another device of the same
   * user asks `otherQuestions` on that thread before the page is back; then `check` looks at
   * what the page shows.
   */
  async function restartWhileAnotherDeviceWrites(
    pageQuestions: string[],
    otherQuestions: string[],
    check: (page: Page) => Promise<void>,
  ): Promise<void> {
    const dataDir = await mkdtemp(join(tmpdir(), 'agent-gateway-e2e-'));
    let restartable = await startGateway({ SHUTDOWN_GRACE_MS: '0', DATA_DIR: dataDir });
    const others: AgentGatewayClient[] = [];
    try {
      const port = new URL(restartable.url).port;
      const page = await browser.newPage();
      await page.goto(restartable.url);
      for (const [index, question] of pageQuestions.entries()) {
        await page.locator('#status.online').waitFor({ timeout: 10_000 });
        const answers = await page.locator('.msg.assistant').count();
        await page.fill('#text', question);
        await page.click('#send');
        await page.locator('.msg.assistant').nth(answers).waitFor({ timeout: 10_000 });
        // The run over (its cancel button off) before the next question or the reload.
        await page.waitForFunction('!document.querySelector("#cancel:not([disabled])")');
        if (index === 0) await page.reload();
      }
      const threadId = (await page.evaluate('sessionStorage.getItem("threadId")')) as string;
      const userId = await page.inputValue('#user');

      await restartable.close();
      restartable = await startGateway({ PORT: port, SHUTDOWN_GRACE_MS: '0', DATA_DIR: dataDir });
      const other = new AgentGatewayClient(restartable.url, {
        auth: { userId },
        socket: { transports: ['websocket'] },
      });
      others.push(other);
      await other.connected();
      const written = recordEvents(other);
      for (const question of otherQuestions) {
        const run = await other.send({ threadId, text: question });
        await until(() => written.ended(run.runId), 10_000);
      }

      await check(page);
    } finally {
      for (const client of others) client.close();
      await restartable.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  }

  it('shows what was written on its thread while an in-process gateway restarted', async () => {
    // The page stands past where the restarted gateway's numbering will be.
    await restartWhileAnotherDeviceWrites(
      ['what is 2+3*4', 'what is 2+3*5'],
      ['what is 1+1'],
      async (page) => {
        await page.locator('.msg.assistant', { hasText: '= 2' }).waitFor({ timeout: 15_000 });
        // Each run's events once: the second question's, and the other device's.
        expect(await startedRuns(page)).toBe(2);
        expect(await page.locator('.msg.assistant', { hasText: '= 2' }).count()).toBe(1);
      },
    );
  }, 40_000);

  it('shows it too when the new numbering passed where the page stood (told by logId)', async () => {
    await restartWhileAnotherDeviceWrites(
      ['what is 2+3*4'],
      ['what is 2+2', 'what is 3+3'],
      async (page) => {
        await page.locator('.msg.assistant', { hasText: '= 4' }).waitFor({ timeout: 15_000 });
        await page.locator('.msg.assistant', { hasText: '= 6' }).waitFor({ timeout: 5_000 });
        // The other device's two runs, each once (the page reloaded after its own: no steps).
        expect(await startedRuns(page)).toBe(2);
        expect(await page.locator('.msg.assistant', { hasText: '= 4' }).count()).toBe(1);
      },
    );
  }, 40_000);
});
