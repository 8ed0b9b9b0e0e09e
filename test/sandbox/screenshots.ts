/**
 * `npm run screenshots`: drives the sandbox in Chromium and writes the README's pictures to
 * docs/images/. Every secret is masked before a picture is taken, and the script refuses to save one
 * that still shows a secret-shaped string.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { launchBrowser, startSandbox } from './harness.js';
import { sendMessage } from './page-actions.js';

const OUT = resolve(import.meta.dirname, '../../docs/images');
const SECRET = /aks_[0-9A-Za-z]{46}/;

async function snap(page: Page, name: string): Promise<void> {
  // Evaluated in the page (as a string: the project compiles without the DOM library).
  const text = String(
    await page.evaluate("document.body.innerText + [...document.querySelectorAll('input, textarea')].map((i) => i.value).join(' ')"),
  );
  if (SECRET.test(text)) throw new Error(`refusing to save ${name}: a secret is visible`);
  await page.screenshot({ path: join(OUT, `${name}.png`) });
  console.log(`docs/images/${name}.png`);
}

async function maskSecrets(page: Page): Promise<void> {
  await page.evaluate(`for (const code of document.querySelectorAll('code')) {
    if (/${SECRET.source}/.test(code.textContent)) code.textContent = 'aks_${'•'.repeat(20)} (masked in this picture)';
  }`);
}

const send = sendMessage;

async function open(page: Page, name: string): Promise<void> {
  await page.getByRole('link', { name, exact: true }).click();
  await page.getByRole('heading', { level: 1, name }).waitFor();
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const sandbox = await startSandbox();
  const browser = await launchBrowser();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 760 }, locale: 'en-US', timezoneId: 'Europe/Berlin' });
    const page = await context.newPage();
    await page.goto(sandbox.running.url);
    await page.getByRole('link', { name: 'general' }).waitFor();

    // The create modal, filled in.
    await send(page, '/accesskey create ci-deploy');
    const modal = page.getByRole('dialog', { name: 'New access key' });
    await modal.getByRole('checkbox', { name: 'Set key expiry' }).check();
    await modal.getByLabel('Expires at').fill(`${new Date().getFullYear() + 1}-03-31T18:00`);
    await snap(page, 'create-modal');
    await modal.getByRole('button', { name: 'Create key' }).click();
    await modal.waitFor({ state: 'detached' });

    // The secret, once (masked here).
    const ready = page.getByRole('listitem').filter({ hasText: 'ci-deploy is ready' });
    await ready.locator('code', { hasText: /^aks_/ }).waitFor();
    const keyId = (await ready.locator('code', { hasText: /^ak_/ }).first().textContent()) ?? '';
    await maskSecrets(page);
    await snap(page, 'secret-message');
    await ready.getByRole('button', { name: "I've saved it — hide this" }).click();
    await ready.waitFor({ state: 'detached' });

    // A second key, then the list.
    await send(page, '/accesskey create nightly-export');
    await page.getByRole('dialog', { name: 'New access key' }).getByRole('button', { name: 'Create key' }).click();
    const second = page.getByRole('listitem').filter({ hasText: 'nightly-export is ready' });
    await second.getByRole('button', { name: "I've saved it — hide this" }).click();
    await second.waitFor({ state: 'detached' });
    await send(page, '/accesskey list');
    await page.getByRole('listitem').filter({ hasText: 'Your access keys for' }).waitFor();
    await snap(page, 'key-list');

    // A member asks for API access; the card in the approvals channel.
    await page.getByRole('combobox', { name: 'Acting as' }).selectOption({ label: 'Ben' });
    await send(page, '/accesskey request-access to run the nightly export job');
    await page.getByRole('listitem').filter({ hasText: 'request' }).first().waitFor();
    await page.getByRole('combobox', { name: 'Acting as' }).selectOption({ label: 'Ada (admin)' });
    await open(page, 'key-approvals');
    await page.getByRole('listitem').filter({ hasText: '@Ben asks for API access' }).getByRole('button', { name: 'Approve' }).waitFor();
    await snap(page, 'approval-card');

    // The audit channel, after the mirror caught up.
    await open(page, 'security-audit');
    await page
      .getByRole('listitem')
      .filter({ hasText: 'access.requested' })
      .or(page.getByRole('listitem').filter({ hasText: 'nightly-export' }))
      .first()
      .waitFor({ timeout: 20_000 });
    await page.waitForFunction("document.querySelectorAll('#messages li.message').length >= 3", undefined, { timeout: 20_000 });
    await snap(page, 'audit-channel');

    // App Home.
    await open(page, 'App Home');
    await page.getByRole('region', { name: 'App Home' }).getByRole('heading', { name: 'Your access keys' }).waitFor();
    await snap(page, 'app-home');

    // A key's usage: two weeks of counters as the flusher writes them, then the report's chart and table.
    const hourNow = Math.floor(Date.now() / 3_600_000);
    const cells = [];
    for (let day = 0; day < 14; day++) {
      const hour = hourNow - (13 - day) * 24;
      const uses = 400 + ((day * 137) % 300) + (day % 7 === 5 ? -300 : 0);
      cells.push({ keyId, hour, dimension: 'all' as const, label: '', outcome: 'valid', count: uses });
      if (day >= 10) cells.push({ keyId, hour, dimension: 'all' as const, label: '', outcome: 'inactive', count: 20 + day * 3 });
      cells.push({ keyId, hour, dimension: 'network' as const, label: '198.51.100.0/24', outcome: 'valid', count: Math.floor(uses * 0.8) });
      cells.push({ keyId, hour, dimension: 'network' as const, label: '2001:db8:42::/48', outcome: 'valid', count: Math.ceil(uses * 0.2) });
      cells.push({ keyId, hour, dimension: 'tag' as const, label: 'endpoint=/v1/alerts', outcome: 'valid', count: Math.floor(uses * 0.6) });
      cells.push({
        keyId,
        hour,
        dimension: 'tag' as const,
        label: 'endpoint=/v1/policies',
        outcome: 'valid',
        count: Math.floor(uses * 0.3),
      });
    }
    await sandbox.running.app.store.usageCounts.add(cells);
    await open(page, 'general');
    await send(page, '/accesskey usage ci-deploy');
    await page.getByRole('img', { name: 'Uses per day: ci-deploy' }).waitFor();
    // Taller, so the report's heading, chart and table fit in one picture.
    await page.setViewportSize({ width: 1280, height: 960 });
    await page.getByText('Usage of ci-deploy').scrollIntoViewIfNeeded();
    await snap(page, 'usage-report');
  } finally {
    await browser.close();
    await sandbox.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
