import { AgentGatewayClient } from '@agent-gateway/client';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { startGateway, type RunningGateway } from './support/gateway-harness';
import { recordEvents } from './support/sdk-helpers';

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

  it('shows what was written on its thread while an in-process gateway restarted', async () => {
    // The restarted gateway keeps the transcripts, not the log: it numbers the thread from 1 again.
    const dataDir = await mkdtemp(join(tmpdir(), 'agent-gateway-e2e-'));
    let restartable = await startGateway({ SHUTDOWN_GRACE_MS: '0', DATA_DIR: dataDir });
    const writer: AgentGatewayClient[] = [];
    try {
      const port = new URL(restartable.url).port;
      const page = await browser.newPage();
      await page.goto(restartable.url);
      await page.locator('#status.online').waitFor({ timeout: 10_000 });
      // Two runs: the page stands past where the restarted gateway's numbering will be.
      await page.fill('#text', 'what is 2+3*4');
      await page.click('#send');
      await page.locator('.msg.assistant', { hasText: '14' }).waitFor({ timeout: 10_000 });
      await page.fill('#text', 'what is 2+3*5');
      await page.click('#send');
      await page.locator('.msg.assistant', { hasText: '17' }).waitFor({ timeout: 10_000 });
      const threadId = (await page.evaluate('sessionStorage.getItem("threadId")')) as string;
      const userId = await page.inputValue('#user');

      await restartable.close();
      restartable = await startGateway({ PORT: port, SHUTDOWN_GRACE_MS: '0', DATA_DIR: dataDir });
      // Another device of the same user, before the page is back.
      const other = new AgentGatewayClient(restartable.url, {
        auth: { userId },
        socket: { transports: ['websocket'] },
      });
      writer.push(other);
      await other.connected();
      const written = recordEvents(other);
      const run = await other.send({ threadId, text: 'what is 1+1' });
      await new Promise<void>((resolve, reject) => {
        const deadline = setTimeout(() => reject(new Error('the run did not end')), 10_000);
        const poll = setInterval(() => {
          if (!written.ended(run.runId)) return;
          clearInterval(poll);
          clearTimeout(deadline);
          resolve();
        }, 20);
      });

      await page.locator('.msg.assistant', { hasText: '= 2' }).waitFor({ timeout: 15_000 });
    } finally {
      for (const client of writer) client.close();
      await restartable.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 40_000);
});
