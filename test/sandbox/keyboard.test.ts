import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { launchBrowser, startSandbox, type SandboxUnderTest } from './harness.js';

/**
 * The same flows with the keyboard alone: Tab, Shift+Tab, Enter, Space, arrows and typing. No clicks,
 * no fill(): if a control cannot be reached or operated from the keyboard, these fail.
 */
let sandbox: SandboxUnderTest;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  sandbox = await startSandbox();
  browser = await launchBrowser();
  page = await (
    await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'UTC' })
  ).newPage();
  await page.goto(sandbox.running.url);
});

afterAll(async () => {
  await browser?.close();
  await sandbox?.stop();
});

/** What these callbacks see inside the page (the project compiles without the DOM library). */
type InPage = { document: { activeElement: unknown } };
type SelectInPage = { selectedOptions: ArrayLike<{ textContent: string | null }> };

const isFocused = (target: Locator) =>
  target.evaluate((node) => node === (globalThis as unknown as InPage).document.activeElement).catch(() => false);
const selectedLabel = (select: Locator) => select.evaluate((node) => (node as unknown as SelectInPage).selectedOptions[0]?.textContent);

/** Presses Tab (or Shift+Tab) until `target` has focus. */
async function tabTo(target: Locator, options: { back?: boolean; max?: number } = {}): Promise<void> {
  await target.first().waitFor();
  for (let i = 0; i < (options.max ?? 120); i += 1) {
    if (await isFocused(target.first())) return;
    await page.keyboard.press(options.back === true ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(`could not reach ${String(target)} with the keyboard`);
}

async function typeCommand(text: string): Promise<void> {
  await tabTo(page.getByRole('textbox', { name: 'Message' }));
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

async function chooseWithArrows(select: Locator, label: string): Promise<void> {
  await tabTo(select, { back: true });
  for (let i = 0; i < 6; i += 1) {
    if ((await selectedLabel(select)) === label) return;
    await page.keyboard.press('ArrowDown');
  }
  for (let i = 0; i < 6; i += 1) {
    if ((await selectedLabel(select)) === label) return;
    await page.keyboard.press('ArrowUp');
  }
  throw new Error(`no option ${label}`);
}

async function openByKeyboard(name: string): Promise<void> {
  await tabTo(page.getByRole('link', { name, exact: true }), { back: true });
  await page.keyboard.press('Enter');
  await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toContain(name);
}

const messages = () => page.getByRole('list', { name: /^Messages in/ });

describe('the sandbox page with the keyboard only', () => {
  it('creates a key: the modal, the expiry checkbox and picker, the inline error, and the CSV download', async () => {
    await typeCommand('/accesskey create kb-key');
    const modal = page.getByRole('dialog', { name: 'New access key' });
    await expect.poll(() => isFocused(modal.getByRole('textbox', { name: 'Name' }))).toBe(true);
    await tabTo(modal.getByRole('checkbox', { name: 'Set key expiry' }));
    await page.keyboard.press('Space');
    expect(await modal.getByRole('checkbox', { name: 'Set key expiry' }).isChecked()).toBe(true);
    const picker = modal.getByLabel('Expires at');
    await tabTo(picker);
    // Chromium's date-time field: month, day, year, then Tab to the time, hour, minute, AM/PM.
    await page.keyboard.type('01012020');
    await page.keyboard.press('Tab');
    await page.keyboard.type('1000A');
    await tabTo(modal.getByRole('button', { name: 'Create key' }));
    await page.keyboard.press('Enter');
    await expect.poll(() => modal.getByRole('alert').textContent()).toBe('The expiry must be in the future.');
    // The error takes focus, so the person hears it and can fix the date at once.
    await expect.poll(() => isFocused(picker)).toBe(true);

    const year = new Date().getUTCFullYear() + 1;
    await page.keyboard.type(`0630${year}`);
    await page.keyboard.press('Tab');
    await page.keyboard.type('0530P');
    expect(await picker.inputValue()).toBe(`${year}-06-30T17:30`);
    await tabTo(modal.getByRole('button', { name: 'Create key' }));
    await page.keyboard.press('Enter');
    await modal.waitFor({ state: 'detached' });
    const ready = messages().getByRole('listitem').filter({ hasText: 'kb-key is ready' });
    await expect.poll(() => ready.locator('code', { hasText: /^aks_/ }).count()).toBe(1);
    const keyId = (await ready.locator('code', { hasText: /^ak_/ }).first().textContent()) ?? '';

    await openByKeyboard('Access Key Bot');
    const download = page.waitForEvent('download');
    await tabTo(page.getByRole('link', { name: `Download access-key-${keyId}.csv` }));
    await page.keyboard.press('Enter');
    expect((await download).suggestedFilename()).toBe(`access-key-${keyId}.csv`);
  });

  it('makes a key inactive through its confirm dialog, then deletes it', async () => {
    await openByKeyboard('general');
    await typeCommand('/accesskey list');
    const list = messages().getByRole('listitem').filter({ hasText: 'Your access keys for' }).last();
    await tabTo(list.getByRole('button', { name: 'Make inactive' }), { back: true });
    await page.keyboard.press('Enter');
    const confirm = page.getByRole('dialog', { name: 'Make this key inactive?' });
    // Focus starts on the harmless choice.
    await expect.poll(() => isFocused(confirm.getByRole('button', { name: 'Cancel' }))).toBe(true);
    await tabTo(confirm.getByRole('button', { name: 'Make inactive' }));
    await page.keyboard.press('Enter');
    // Closing a dialog hands focus back to the button that opened it; wait for that before tabbing on.
    await confirm.waitFor({ state: 'detached' });
    await expect.poll(() => messages().getByRole('button', { name: 'Make active' }).count()).toBeGreaterThan(0);

    await tabTo(messages().getByRole('button', { name: 'Delete' }).last(), { back: true });
    await page.keyboard.press('Enter');
    const ask = page.getByRole('dialog', { name: 'Delete this key?' });
    await ask.waitFor();
    // Escape backs out, as in Slack: nothing is deleted.
    await page.keyboard.press('Escape');
    await ask.waitFor({ state: 'detached' });
    expect(await messages().getByRole('button', { name: 'Make active' }).count()).toBeGreaterThan(0);
    await tabTo(messages().getByRole('button', { name: 'Delete' }).last(), { back: true });
    await page.keyboard.press('Enter');
    await tabTo(ask.getByRole('button', { name: 'Delete' }));
    await page.keyboard.press('Enter');
    await ask.waitFor({ state: 'detached' });
    await expect.poll(() => messages().textContent()).toMatch(/deleted/i);
  });

  it('a member asks for access and the admin approves from the card, all from the keyboard', async () => {
    await chooseWithArrows(page.getByRole('combobox', { name: 'Acting as' }), 'Cleo');
    await typeCommand('/accesskey request-access for the nightly export');
    await openByKeyboard('key-approvals');
    const card = messages().getByRole('listitem').filter({ hasText: '@Cleo asks for API access' });
    await expect.poll(() => card.count()).toBe(1);

    // Cleo is no admin: Approve is refused privately and the card stays open.
    await tabTo(card.getByRole('button', { name: 'Approve' }), { back: true });
    await page.keyboard.press('Enter');
    await expect.poll(() => messages().getByRole('listitem').filter({ hasText: 'Only visible to you' }).count()).toBeGreaterThan(0);
    expect(await card.getByRole('button', { name: 'Approve' }).count()).toBe(1);

    await chooseWithArrows(page.getByRole('combobox', { name: 'Acting as' }), 'Ada (admin)');
    await tabTo(card.getByRole('button', { name: 'Approve' }));
    await page.keyboard.press('Enter');
    await expect.poll(() => card.textContent()).toContain('Approved by @Ada');

    await chooseWithArrows(page.getByRole('combobox', { name: 'Acting as' }), 'Cleo');
    await openByKeyboard('Access Key Bot');
    await expect.poll(() => messages().textContent()).toContain('@Ada approved your API access');
  });

  it('a sidebar link keeps the focus while news from someone else redraws the sidebar', async () => {
    // The sidebar's link (a message may hold an "App Home" link of its own).
    const home = page.getByRole('navigation', { name: 'Conversations' }).getByRole('link', { name: 'App Home', exact: true });
    await tabTo(home, { back: true });
    // Ben asks for API access from another tab (the page's own endpoint, so Origin is the sandbox's): the
    // card lands in #key-approvals.
    const status = await page.evaluate(async () => {
      const state = (await (await fetch('/sandbox/state')).json()) as { channels: { id: string; name: string }[] };
      const general = state.channels.find((c) => c.name === 'general');
      const sent = await fetch('/sandbox/command', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ as: 'U0SANDBEN', channel: general?.id, text: '/accesskey request-access for the sidebar test' }),
      });
      return sent.status;
    });
    expect(status).toBe(200);
    // The channel's link turns bold once the page has redrawn with the news; the focus is still on App Home.
    await expect.poll(() => page.getByRole('link', { name: 'key-approvals', exact: true }).getAttribute('class')).toContain('unread');
    const focused = await page.evaluate(() => {
      const active = (globalThis as unknown as { document: { activeElement: { outerHTML?: string } | null } }).document.activeElement;
      return active?.outerHTML?.slice(0, 200);
    });
    expect(await isFocused(home), `focus is on ${focused}`).toBe(true);
  });

  it('App Home opens from the keyboard, and a key is rotated from its button there', async () => {
    await chooseWithArrows(page.getByRole('combobox', { name: 'Acting as' }), 'Ada (admin)');
    await openByKeyboard('general');
    await typeCommand('/accesskey create home-key');
    const modal = page.getByRole('dialog', { name: 'New access key' });
    await tabTo(modal.getByRole('button', { name: 'Create key' }));
    await page.keyboard.press('Enter');
    await modal.waitFor({ state: 'detached' });

    await openByKeyboard('App Home');
    const home = page.getByRole('region', { name: 'App Home' });
    await expect.poll(() => home.textContent()).toContain('home-key');
    await tabTo(home.getByRole('button', { name: 'Rotate' }).first());
    await page.keyboard.press('Enter');
    // Rotate asks first (it starts the old key's countdown and shows a secret).
    const rotate = page.getByRole('dialog', { name: 'Rotate this key?' });
    await tabTo(rotate.getByRole('button', { name: 'Rotate' }));
    await page.keyboard.press('Enter');
    // Until the dialog has closed (and handed focus back), a Tab or Enter may land on the wrong control.
    await rotate.waitFor({ state: 'detached' });
    // The successor's secret arrives like a new key's: a third CSV (kb-key, home-key, its successor) in the DM.
    await openByKeyboard('Access Key Bot');
    await expect.poll(() => page.getByRole('link', { name: /^Download access-key-/ }).count()).toBe(3);
  });
});
