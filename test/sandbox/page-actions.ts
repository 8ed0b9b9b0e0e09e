import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { launchBrowser, startSandbox, type SandboxUnderTest } from './harness.js';

/** What a person does on the sandbox page, by role and accessible name; shared by the browser tests. */

export async function actAs(page: Page, person: string): Promise<void> {
  await page.getByRole('combobox', { name: 'Acting as' }).selectOption({ label: person });
}

export async function openConversation(page: Page, name: string): Promise<void> {
  await page.getByRole('link', { name, exact: true }).click();
  await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toContain(name);
}

/** Types into the message box and sends (a slash command or a message). */
export async function sendMessage(page: Page, text: string): Promise<void> {
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
}

/**
 * One sandbox and one browser page for the whole test file (beforeAll / afterAll), with the page
 * actions bound to it. Read `page` and `sandbox` inside tests or hooks (they exist once beforeAll ran).
 */
export function sandboxPageForFile(options: { acceptDownloads?: boolean } = {}) {
  let sandbox: SandboxUnderTest | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  beforeAll(async () => {
    sandbox = await startSandbox();
    browser = await launchBrowser();
    const context = await browser.newContext({ acceptDownloads: options.acceptDownloads ?? false, viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    await page.goto(sandbox.running.url);
  });
  afterAll(async () => {
    await browser?.close();
    await sandbox?.stop();
  });
  const open = (): Page => {
    if (page === undefined) throw new Error('the sandbox page is not open yet (use it inside a test or hook)');
    return page;
  };
  return {
    get page(): Page {
      return open();
    },
    get sandbox(): SandboxUnderTest {
      if (sandbox === undefined) throw new Error('the sandbox is not started yet (use it inside a test or hook)');
      return sandbox;
    },
    actAs: (person: string) => actAs(open(), person),
    openConversation: (name: string) => openConversation(open(), name),
    send: (text: string) => sendMessage(open(), text),
    /** The open conversation's message list. */
    messages: () => open().getByRole('list', { name: /^Messages in/ }),
  };
}
