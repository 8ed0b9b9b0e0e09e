import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, startSandbox, type SandboxUnderTest } from './harness.js';
import { actAs, openConversation, sendMessage } from './page-actions.js';

let sandbox: SandboxUnderTest;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  // The sandbox supplies its own MFA_ENCRYPTION_KEY; step-up is switched on as an operator would.
  sandbox = await startSandbox({ ADMIN_STEP_UP: 'on' });
  browser = await launchBrowser();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await page.goto(sandbox.running.url);
});

afterAll(async () => {
  await browser?.close();
  await sandbox?.stop();
});

const messages = () => page.getByRole('list', { name: /^Messages in/ });
const shownCode = async () => (await page.getByLabel('Current step-up code').textContent()) ?? '';

describe('step-up in the sandbox, driven in Chromium (docs/admin-security.md)', () => {
  it('an admin enrols (QR image in the DM, code from the sandbox authenticator) and approves a request with a code', async () => {
    expect(await page.getByRole('region', { name: 'Authenticator (sandbox only)' }).count()).toBe(0);
    await actAs(page, 'Ada (admin)');
    await openConversation(page, 'general');
    await sendMessage(page, '/accesskey admin mfa enroll');
    const enrol = page.getByRole('dialog', { name: 'Confirm enrolment' });
    await enrol.waitFor();
    await expect.poll(shownCode).toMatch(/^\d{6}$/);
    await enrol.getByRole('textbox', { name: 'First code' }).fill('000000');
    await enrol.getByRole('button', { name: 'Confirm' }).click();
    await expect.poll(() => enrol.getByRole('alert').textContent()).toContain('not right');
    const enrolCode = await shownCode();
    await enrol.getByRole('textbox', { name: 'First code' }).fill(enrolCode);
    await enrol.getByRole('button', { name: 'Confirm' }).click();
    await enrol.waitFor({ state: 'detached' });

    await openConversation(page, 'Access Key Bot');
    const qr = messages().getByRole('img', { name: 'Step-up QR code' });
    await qr.waitFor();
    // Decoded by the browser: a real image, not a broken one.
    await expect.poll(() => qr.evaluate((img) => ('naturalWidth' in img ? Number(img.naturalWidth) : 0))).toBeGreaterThan(0);
    await expect.poll(() => messages().textContent()).toContain('Step-up codes are set up');

    await actAs(page, 'Ben');
    await openConversation(page, 'general');
    await sendMessage(page, '/accesskey request-access nightly export');
    await actAs(page, 'Ada (admin)');
    await openConversation(page, 'key-approvals');
    const card = messages().getByRole('listitem').filter({ hasText: '@Ben asks for API access' });
    await card.getByRole('button', { name: 'Approve' }).click();
    const stepUp = page.getByRole('dialog', { name: 'Confirm with a code' });
    await stepUp.waitFor();
    // The enrolment's code was used: the sandbox authenticator moves on with the clock, as a phone does.
    await stepUp.getByRole('textbox', { name: 'Code' }).fill(enrolCode);
    await stepUp.getByRole('button', { name: 'Confirm' }).click();
    await expect.poll(() => stepUp.getByRole('alert').textContent()).toMatch(/used already|not right/);
    expect(await card.textContent()).not.toContain('Approved by');
    await expect.poll(shownCode, { timeout: 45_000 }).not.toBe(enrolCode);
    await stepUp.getByRole('textbox', { name: 'Code' }).fill(await shownCode());
    await stepUp.getByRole('button', { name: 'Confirm' }).click();
    await stepUp.waitFor({ state: 'detached' });
    await expect.poll(() => card.textContent()).toContain('Approved by @Ada');
  });
});
