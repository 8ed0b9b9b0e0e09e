import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, startSandbox, type SandboxUnderTest } from './harness.js';
import { actAs as actAsOn, openConversation as openConversationOn, sendMessage } from './page-actions.js';

const SECRET = /^aks_[0-9A-Za-z]{46}$/;

let sandbox: SandboxUnderTest;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  sandbox = await startSandbox();
  browser = await launchBrowser();
  context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  await page.goto(sandbox.running.url);
});

afterAll(async () => {
  await browser?.close();
  await sandbox?.stop();
});

const actAs = (person: string) => actAsOn(page, person);
const openConversation = (name: string) => openConversationOn(page, name);
const send = (text: string) => sendMessage(page, text);

function messages(): ReturnType<Page['getByRole']> {
  return page.getByRole('list', { name: /^Messages in/ });
}

/** Creates a key through the modal with no expiry and returns its ID and secret from the ephemeral message. */
async function createKey(name: string): Promise<{ keyId: string; secret: string }> {
  await send(`/accesskey create ${name}`);
  const modal = page.getByRole('dialog', { name: 'New access key' });
  await modal.getByRole('button', { name: 'Create key' }).click();
  await modal.waitFor({ state: 'detached' });
  const ready = messages()
    .getByRole('listitem')
    .filter({ hasText: `${name} is ready` });
  const secret = (await ready.locator('code', { hasText: /^aks_/ }).textContent()) ?? '';
  const keyId = (await ready.locator('code', { hasText: /^ak_/ }).first().textContent()) ?? '';
  return { keyId, secret };
}

describe('the sandbox page, driven in Chromium by role and name', () => {
  it('creates a key: past expiry is refused inline, the secret is shown once, and the CSV in the DM holds it', async () => {
    await actAs('Ada (admin)');
    await openConversation('general');
    await send('/accesskey create ci-deploy');
    const modal = page.getByRole('dialog', { name: 'New access key' });
    await expect.poll(() => modal.getByRole('textbox', { name: 'Name' }).inputValue()).toBe('ci-deploy');
    await modal.getByRole('checkbox', { name: 'Set key expiry' }).check();
    await modal.getByLabel('Expires at').fill('2020-01-01T10:00');
    await modal.getByRole('button', { name: 'Create key' }).click();
    await expect.poll(() => modal.getByRole('alert').textContent()).toBe('The expiry must be in the future.');
    expect(await modal.getByLabel('Expires at').getAttribute('aria-invalid')).toBe('true');

    const nextYear = new Date().getFullYear() + 1;
    await modal.getByLabel('Expires at').fill(`${nextYear}-06-30T17:30`);
    await modal.getByRole('button', { name: 'Create key' }).click();
    await modal.waitFor({ state: 'detached' });

    const ready = messages().getByRole('listitem').filter({ hasText: 'ci-deploy is ready' });
    await expect.poll(() => ready.textContent()).toContain('Only visible to you');
    const secret = (await ready.locator('code', { hasText: /^aks_/ }).textContent()) ?? '';
    const keyId = (await ready.locator('code', { hasText: /^ak_/ }).first().textContent()) ?? '';
    expect(secret).toMatch(SECRET);
    // The expiry is a <!date> token drawn in the browser's own time zone.
    expect(await ready.locator('time').first().getAttribute('datetime')).toMatch(new RegExp(`^${nextYear}-06-30T`));

    // Once hidden, the secret is gone from the page.
    await ready.getByRole('button', { name: "I've saved it — hide this" }).click();
    await expect.poll(() => page.locator('code', { hasText: /^aks_/ }).count()).toBe(0);

    await openConversation('Access Key Bot');
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: `Download access-key-${keyId}.csv` }).click();
    const file = await download;
    const stream = await file.createReadStream();
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
    const csv = Buffer.concat(chunks).toString('utf8');
    expect(file.suggestedFilename()).toBe(`access-key-${keyId}.csv`);
    expect(csv).toContain(keyId);
    expect(csv).toContain(secret);

    // curl-style: the sandbox key works against the integration API on the same port, at once.
    const origin = new URL(sandbox.running.url).origin;
    const verify = await fetch(`${origin}/v1/keys/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key: secret }),
    });
    expect(await verify.json()).toMatchObject({ valid: true, keyId });
    const login = await fetch(`${origin}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: keyId, password: secret }),
    });
    expect(login.status).toBe(200);
    expect(((await login.json()) as { token: string }).token.split('.')).toHaveLength(3);
  });

  it('lists keys, makes one inactive through its confirm dialog, active again, then deletes it', async () => {
    await openConversation('general');
    const { keyId } = await createKey('temp-report');
    await send('/accesskey list');
    const list = messages().getByRole('listitem').filter({ hasText: 'Your access keys for' }).last();
    await expect.poll(() => list.textContent()).toContain(keyId);
    const row = (text: string) => list.locator('.bk-actions').filter({ has: page.getByRole('button', { name: text }) });

    await list.getByRole('button', { name: 'Make inactive' }).last().click();
    const confirm = page.getByRole('dialog', { name: 'Make this key inactive?' });
    await expect.poll(() => confirm.textContent()).toContain('temp-report');
    await confirm.getByRole('button', { name: 'Make inactive' }).click();
    await expect.poll(() => messages().textContent()).toMatch(/Inactive/);
    await expect.poll(() => row('Make active').count()).toBeGreaterThan(0);

    await messages().getByRole('button', { name: 'Make active' }).last().click();
    await expect.poll(() => messages().getByRole('button', { name: 'Make active' }).count()).toBe(0);

    await messages().getByRole('button', { name: 'Delete' }).last().click();
    const ask = page.getByRole('dialog', { name: 'Delete this key?' });
    await ask.getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => messages().textContent()).toMatch(/deleted/i);
    await send('/accesskey list');
    const fresh = messages().getByRole('listitem').filter({ hasText: 'Your access keys for' }).last();
    await expect
      .poll(async () => (await messages().getByRole('listitem').filter({ hasText: 'Your access keys for' }).count()) >= 2)
      .toBe(true);
    expect(await fresh.textContent()).not.toContain(keyId);
  });

  it('shows each audit record in the audit channel live, without a reload', async () => {
    const audit = await context.newPage();
    await audit.goto(`${sandbox.running.url}#c=C0SANDAUDIT`);
    await audit.getByRole('heading', { level: 1, name: '# security-audit' }).waitFor();
    const before = await audit.getByRole('listitem').filter({ hasText: 'key.created' }).count();
    await createKey('audited-live');
    await expect
      .poll(() => audit.getByRole('listitem').filter({ hasText: 'audited-live' }).count(), { timeout: 15_000 })
      .toBeGreaterThan(0);
    expect(await audit.getByRole('listitem').filter({ hasText: 'key.created' }).count()).toBeGreaterThan(before);
    await audit.close();
  });

  it('changes the expiry of a key in the extend modal with its radio buttons', async () => {
    await send('/accesskey extend ci-deploy');
    const modal = page.getByRole('dialog', { name: 'Change key expiry' });
    expect(await modal.getByRole('radio', { name: 'At the date and time below' }).isChecked()).toBe(true);
    await modal.getByRole('radio', { name: 'Never expires' }).check();
    await modal.getByRole('button', { name: 'Save' }).click();
    await modal.waitFor({ state: 'detached' });
    await send('/accesskey show ci-deploy');
    const details = messages().getByRole('listitem').filter({ hasText: 'Last used' }).last();
    await expect.poll(() => details.textContent()).toMatch(/Expires\s*Never/);
  });

  it('rotates a key after asking: a successor secret is delivered like a new key', async () => {
    await send('/accesskey rotate ci-deploy');
    // The command asks once, in its reply; that message's Rotate button is the answer.
    const question = messages().getByRole('listitem').filter({ hasText: 'Rotate ci-deploy' }).last();
    await question.getByRole('button', { name: 'Rotate' }).click();
    const rotated = messages().getByRole('listitem').filter({ hasText: 'is ready' }).filter({ hasText: 'ci-deploy' });
    await expect.poll(() => rotated.locator('code', { hasText: /^aks_/ }).count()).toBe(1);
    expect(await rotated.locator('code', { hasText: /^aks_/ }).textContent()).toMatch(SECRET);
  });

  it('a member asks for API access, the admin approves on the card, which updates in place, and the member is told by DM', async () => {
    await actAs('Ben');
    await openConversation('general');
    await send('/accesskey create bens-key');
    await messages().getByRole('button', { name: 'Request API access' }).click();
    await expect.poll(() => messages().textContent()).toMatch(/request/i);

    await actAs('Ada (admin)');
    await openConversation('key-approvals');
    const card = messages().getByRole('listitem').filter({ hasText: '@Ben asks for API access' });
    await card.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => card.textContent()).toContain('Approved by @Ada');
    expect(await card.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    expect(await messages().getByRole('listitem').filter({ hasText: '@Ben asks for API access' }).count()).toBe(1);
    expect(await card.textContent()).toContain('(edited)');
    await actAs('Ben');
    await openConversation('Access Key Bot');
    await expect.poll(() => messages().textContent()).toContain('@Ada approved your API access');
  });

  it('the admin denies a request with a reason typed in the modal; the card quotes it and the member is told', async () => {
    await actAs('Cleo');
    await openConversation('general');
    await send('/accesskey request-access please');
    await actAs('Ada (admin)');
    await openConversation('key-approvals');
    const card = messages().getByRole('listitem').filter({ hasText: '@Cleo asks for API access' });
    await card.getByRole('button', { name: 'Deny' }).click();
    const modal = page.getByRole('dialog', { name: 'Deny API access' });
    await modal.getByRole('textbox', { name: 'Reason (sent to the requester)' }).fill('Use the shared\nreporting key');
    await modal.getByRole('button', { name: 'Deny' }).click();
    await modal.waitFor({ state: 'detached' });
    await expect.poll(() => card.textContent()).toContain('Denied by @Ada');
    expect(await card.locator('blockquote').textContent()).toContain('Use the shared');

    await actAs('Cleo');
    await openConversation('Access Key Bot');
    await expect.poll(() => messages().textContent()).toContain('@Ada denied your API access request');
  });

  it('App Home shows the keys of the active role and its slots', async () => {
    await actAs('Ada (admin)');
    await openConversation('App Home');
    const home = page.getByRole('region', { name: 'App Home' });
    await expect.poll(() => home.getByRole('heading', { name: 'Your access keys' }).count()).toBe(1);
    await expect.poll(() => home.textContent()).toMatch(/\d of 2 keys used/);
    expect(await home.textContent()).toContain('ci-deploy');
    expect(await home.getByRole('button', { name: 'Details' }).count()).toBeGreaterThan(0);
  });
});
