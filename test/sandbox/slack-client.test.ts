import { beforeAll, describe, expect, it } from 'vitest';
import type { Page, Route } from 'playwright-core';
import type { SandboxUnderTest } from './harness.js';
import { sandboxPageForFile } from './page-actions.js';

/**
 * The page behaves as Slack's own client does, in the places a first review found it did not: busy
 * states, unread marks, the × on modals, ephemerals that a reload forgets, the read-only Messages tab,
 * the bare address, a command sent while the app is away, and a narrow window.
 */
const ui = sandboxPageForFile();
let page: Page;
let sandbox: SandboxUnderTest;
beforeAll(() => {
  ({ page, sandbox } = ui);
});
const { actAs, openConversation, send, messages } = ui;
const box = () => page.getByRole('textbox', { name: 'Message' });
/** What these callbacks see inside the page (the project compiles without the DOM library). */
type InPage = { document: { activeElement: unknown } };

/** Requests to `path` wait in `held` until the test lets them go. */
async function hold(path: string): Promise<Route[]> {
  const held: Route[] = [];
  await page.route(`**/sandbox/${path}`, (route) => {
    held.push(route);
  });
  return held;
}

async function createKey(name: string): Promise<void> {
  await send(`/accesskey create ${name}`);
  const modal = page.getByRole('dialog', { name: 'New access key' });
  await modal.getByRole('button', { name: 'Create key' }).click();
  await modal.waitFor({ state: 'detached' });
  await messages()
    .getByRole('listitem')
    .filter({ hasText: `${name} is ready` })
    .waitFor();
}

describe('the sandbox page as Slack’s client', () => {
  it('the bare address leads to the page', async () => {
    const origin = new URL(sandbox.running.url).origin;
    const answer = await fetch(`${origin}/`, { redirect: 'manual' });
    expect(answer.status).toBe(302);
    expect(answer.headers.get('location')).toBe('/sandbox');
    await page.goto(`${origin}/`);
    expect(new URL(page.url()).pathname).toBe('/sandbox');
    await box().waitFor();
  });

  it('a message button spins until the app has answered, and takes no second press meanwhile', async () => {
    await actAs('Ada (admin)');
    await openConversation('general');
    await createKey('busy-key');
    const ready = messages().getByRole('listitem').filter({ hasText: 'busy-key is ready' });
    const hide = ready.getByRole('button', { name: "I've saved it — hide this" });
    const held = await hold('action');
    await hide.click();
    await expect.poll(() => held.length).toBe(1);
    expect(await hide.getAttribute('aria-busy')).toBe('true');
    await hide.dispatchEvent('click');
    for (const route of held) await route.continue();
    await ready.waitFor({ state: 'detached' });
    await page.unroute('**/sandbox/action');
    expect(held).toHaveLength(1);
  });

  it('a slash command shows the message box busy until the app has taken it', async () => {
    const composer = page.locator('form#composer');
    const held = await hold('command');
    await send('/accesskey help');
    await expect.poll(() => held.length).toBe(1);
    expect(await composer.getAttribute('aria-busy')).toBe('true');
    for (const route of held) await route.continue();
    await expect.poll(() => composer.getAttribute('aria-busy')).toBe('false');
    await page.unroute('**/sandbox/command');
    await expect.poll(() => messages().textContent()).toContain('Access keys from Slack');
  });

  it('a command sent while the app is not reachable stays in the message box', async () => {
    await page.route('**/sandbox/command', (route) => route.abort('connectionrefused'));
    await send('/accesskey list --all-roles');
    await expect.poll(() => page.getByRole('status').textContent()).toContain('not reachable');
    expect(await box().inputValue()).toBe('/accesskey list --all-roles');
    await page.unroute('**/sandbox/command');
    await box().fill('');
  });

  it('a modal closes from its ×, and Slack (the app too) learns it is closed', async () => {
    await send('/accesskey create never-made');
    const modal = page.getByRole('dialog', { name: 'New access key' });
    await modal.waitFor();
    // The keyboard still starts in the first input, not on the ×.
    const name = modal.getByRole('textbox', { name: 'Name' });
    await expect.poll(() => name.evaluate((node) => node === (globalThis as unknown as InPage).document.activeElement)).toBe(true);
    await modal.getByRole('button', { name: 'Close window' }).click();
    await modal.waitFor({ state: 'detached' });
    const state = await (await fetch(`${new URL(sandbox.running.url).origin}/sandbox/state?as=U0SANDADA`)).json();
    expect((state as { modals: unknown[] }).modals).toEqual([]);
  });

  it('the DM with the bot has no message box: the manifest makes its Messages tab read-only', async () => {
    await openConversation('Access Key Bot');
    await page.getByText('Sending messages to this app has been turned off.').waitFor();
    expect(await box().count()).toBe(0);
    await openConversation('general');
    await box().waitFor();
    expect(await page.getByText('Sending messages to this app has been turned off.').isVisible()).toBe(false);
  });

  it('ephemerals, the secret among them, are gone after a reload; messages and the CSV stay', async () => {
    await createKey('reload-key');
    expect(await messages().locator('code', { hasText: /^aks_/ }).count()).toBe(1);
    await page.reload();
    await box().waitFor();
    await openConversation('general');
    await expect.poll(() => messages().getByRole('listitem').first().textContent()).toBeTruthy();
    expect(await messages().locator('code', { hasText: /^aks_/ }).count()).toBe(0);
    expect(await messages().getByText('Only visible to you').count()).toBe(0);
    await openConversation('Access Key Bot');
    await expect.poll(() => page.getByRole('link', { name: /^Download access-key-/ }).count()).toBeGreaterThanOrEqual(2);
  });

  it('a conversation with news is marked in the sidebar until it is opened', async () => {
    await actAs('Cleo');
    await openConversation('general');
    const dm = page.getByRole('link', { name: 'Access Key Bot', exact: true });
    await expect.poll(() => dm.getAttribute('class')).not.toContain('unread');
    await send('/accesskey request-access for the news test');
    await messages().getByText('Only visible to you').waitFor();
    await actAs('Ada (admin)');
    await openConversation('key-approvals');
    await messages()
      .getByRole('listitem')
      .filter({ hasText: '@Cleo asks for API access' })
      .getByRole('button', { name: 'Approve' })
      .click();
    await actAs('Cleo');
    // The decision arrives in Cleo's DM: bold, with a count, as Slack shows a DM with news.
    await expect.poll(() => dm.getAttribute('class')).toContain('unread');
    expect(Number(await dm.locator('.badge').textContent())).toBeGreaterThanOrEqual(1);
    const note = await dm.getAttribute('aria-describedby');
    expect(await page.locator(`[id="${note}"]`).textContent()).toMatch(/unread/);
    await openConversation('Access Key Bot');
    await expect.poll(() => messages().textContent()).toContain('approved your API access');
    await openConversation('general');
    expect(await dm.getAttribute('class')).not.toContain('unread');
    expect(await dm.locator('.badge').count()).toBe(0);
  });
});

describe('the sandbox page in a narrow window (480 px)', () => {
  it('keeps the conversation the width of the window, with nothing cut off or scrolled sideways', async () => {
    const narrow = await page.context().newPage();
    await narrow.setViewportSize({ width: 480, height: 800 });
    try {
      await narrow.goto(sandbox.running.url);
      await narrow.getByRole('link', { name: 'general', exact: true }).waitFor();
      await narrow.getByRole('textbox', { name: 'Message' }).fill('/accesskey list');
      await narrow.getByRole('textbox', { name: 'Message' }).press('Enter');
      await narrow.getByRole('listitem').filter({ hasText: 'Your access keys for' }).waitFor();
      expect(await narrow.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(480);
      const list = await narrow.getByRole('list', { name: /^Messages in/ }).boundingBox();
      expect(list?.width).toBeGreaterThanOrEqual(440);
      const composer = await narrow.locator('.composer-box').boundingBox();
      expect((composer?.x ?? -1) >= 0 && (composer?.x ?? 0) + (composer?.width ?? 481) <= 480).toBe(true);
      for (const name of ['general', 'security-audit', 'key-approvals', 'Access Key Bot', 'App Home']) {
        const link = await narrow.getByRole('link', { name, exact: true }).boundingBox();
        expect((link?.x ?? -1) >= 0 && (link?.x ?? 0) + (link?.width ?? 481) <= 480, name).toBe(true);
      }
    } finally {
      await narrow.close();
    }
  });
});
