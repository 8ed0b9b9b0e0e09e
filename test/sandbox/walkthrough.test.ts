import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { SandboxUnderTest } from './harness.js';
import { sandboxPageForFile } from './page-actions.js';

/**
 * What a first walk through the sandbox tripped over: emoji codes shown as text, message links that
 * sent the reader to slack.com, and a usage hint that left commands out.
 */
const ui = sandboxPageForFile();
let page: Page;
let sandbox: SandboxUnderTest;
beforeAll(() => {
  ({ page, sandbox } = ui);
});
const { actAs, openConversation, send, messages } = ui;

/** Every `:code:` in the app's Slack-facing source (views, listeners, scheduler), letters and underscores only. */
function emojiCodesTheAppUses(): string[] {
  const codes = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts'))
        for (const match of readFileSync(path, 'utf8').matchAll(/:([a-z][a-z_]*[a-z]):/g)) codes.add(match[1] ?? '');
    }
  };
  walk('src/slack');
  walk('src/scheduler');
  return [...codes].sort();
}

describe('the sandbox page after a first walk through it', () => {
  it('draws every emoji code the app writes as an emoji, not as its :code:', async () => {
    const codes = emojiCodesTheAppUses();
    expect(codes).toContain('rotating_light');
    // The page's own module, loaded in the page. Passed as source text, so the test runner's transform
    // leaves its import() alone.
    const undrawn = await page.evaluate<string[]>(`(async () => {
      const { emojify } = await import('/sandbox/static/mrkdwn.js');
      return ${JSON.stringify(codes)}.filter((code) => emojify(':' + code + ':') === ':' + code + ':');
    })()`);
    expect(undrawn).toEqual([]);
  });

  it('shows a key reported compromised with a rotating light, in the reply and in the audit channel', async () => {
    await actAs('Ada (admin)');
    await openConversation('general');
    await send('/accesskey create leaked-key');
    const modal = page.getByRole('dialog', { name: 'New access key' });
    await modal.getByRole('button', { name: 'Create key' }).click();
    await modal.waitFor({ state: 'detached' });
    await send('/accesskey compromised leaked-key');
    const ask = messages().getByRole('listitem').filter({ hasText: 'Report leaked-key' });
    await ask.getByRole('button', { name: 'Report compromised' }).click();
    const reported = messages().getByRole('listitem').filter({ hasText: 'is reported compromised' });
    await expect.poll(() => reported.textContent()).toContain('🚨');
    expect(await reported.textContent()).not.toContain(':rotating_light:');

    await openConversation('security-audit');
    const alert = messages().getByRole('listitem').filter({ hasText: 'Access key reported compromised' });
    await expect.poll(() => alert.count(), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await alert.first().textContent()).toContain('🚨');
    expect(await messages().textContent()).not.toContain(':rotating_light:');
  });

  it("opens an access request's card in the approvals channel from the card link of admin requests, and marks it", async () => {
    await actAs('Ben');
    await openConversation('general');
    await send('/accesskey request-access for the nightly export');
    await expect.poll(() => messages().textContent()).toContain('went to the admins');

    await actAs('Ada (admin)');
    await send('/accesskey admin requests');
    const listing = messages().getByRole('listitem').filter({ hasText: 'Open API access requests' });
    const link = listing.getByRole('link', { name: 'card' });
    await expect.poll(() => link.count()).toBe(1);
    // An address on the page itself, never slack.com in a new tab.
    expect(await link.getAttribute('href')).toMatch(/^#c=C0SANDAPPROVALS&m=\d+\.\d+$/);
    expect(await link.getAttribute('target')).toBeNull();
    await link.click();

    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('# key-approvals');
    const marked = messages().locator('li[aria-current="true"]');
    await expect.poll(() => marked.count()).toBe(1);
    expect(await marked.textContent()).toContain('@Ben asks for API access');
    expect(await page.getByRole('combobox', { name: 'Acting as' }).inputValue()).toBe('U0SANDADA');
  });

  it('grants API access to a person typed as @Cleo, who can then open the create modal', async () => {
    await actAs('Ada (admin)');
    await openConversation('general');
    await send('/accesskey admin grant @Cleo');
    await expect.poll(() => messages().getByRole('listitem').last().textContent()).toMatch(/@Cleo/);
    expect(await messages().getByRole('listitem').last().textContent()).not.toContain('Name the user with a mention');

    await actAs('Cleo');
    await send('/accesskey create cleos-key');
    await expect.poll(() => page.getByRole('dialog', { name: 'New access key' }).count()).toBe(1);
    await page.getByRole('dialog', { name: 'New access key' }).getByRole('button', { name: 'Cancel' }).click();
  });

  it('Reset sandbox empties it without a false tamper alert in the audit channel', async () => {
    await actAs('Ada (admin)');
    await openConversation('security-audit');
    await expect.poll(() => messages().textContent(), { timeout: 15_000 }).toContain('key.reported_compromised');
    const before = sandbox.running.app;
    await page.getByRole('button', { name: 'Reset sandbox' }).click();
    await page.getByRole('dialog', { name: 'Reset the sandbox?' }).getByRole('button', { name: 'Reset' }).click();
    await expect.poll(() => sandbox.running.app !== before, { timeout: 15_000 }).toBe(true);
    // The fresh app's first record (the bootstrap admin's role) reaches the channel, and nothing else.
    const fresh = async () => {
      const text = (await messages().textContent()) ?? '';
      return text.includes('role.assigned') && !text.includes('key.reported_compromised');
    };
    await expect.poll(fresh, { timeout: 15_000 }).toBe(true);
    // The audit tail check runs at start-up, before this first record is posted; an alert would be posted first.
    expect(await messages().textContent()).not.toContain('audit.tail_mismatch');
    expect(await messages().getByRole('listitem').count()).toBe(1);
  });

  it('names every /accesskey command under the message box, rotate, compromised and admin included', async () => {
    const hint = (await page.locator('#usage').textContent()) ?? '';
    for (const command of [
      'create',
      'list',
      'show',
      'extend',
      'deactivate',
      'activate',
      'delete',
      'rotate',
      'compromised',
      'role',
      'request-access',
      'help',
      'admin help',
    ]) {
      expect(hint).toContain(command);
    }
  });
});
