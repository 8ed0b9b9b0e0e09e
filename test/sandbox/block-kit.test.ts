import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, startSandbox, type SandboxUnderTest } from './harness.js';

/**
 * Every block and element the page draws, posted straight to the sandbox's Web API with the app's
 * token (as the app would post them), then read back in Chromium by role and name.
 */
let sandbox: SandboxUnderTest;
let browser: Browser;
let page: Page;
const when = Math.floor(Date.UTC(2027, 0, 15, 9, 30) / 1000);

const plain = (text: string) => ({ type: 'plain_text', text, emoji: true });
const option = (text: string, value: string) => ({ text: plain(text), value });

const blocks = [
  { type: 'header', text: plain('Every element') },
  {
    type: 'section',
    block_id: 'formatting',
    text: {
      type: 'mrkdwn',
      text: `*bold* _italic_ ~gone~ \`code\` <https://example.com/docs|the docs> <@U0SANDBEN> <!date^${when}^{date_num} {time}|Jan 15> :key:\n>quoted line`,
    },
    accessory: { type: 'overflow', action_id: 'more', options: [option('Rename', 'rename'), option('Archive', 'archive')] },
  },
  {
    type: 'section',
    block_id: 'facts',
    fields: [
      { type: 'mrkdwn', text: '*Left*\none' },
      { type: 'mrkdwn', text: '*Right*\ntwo' },
    ],
    accessory: {
      type: 'button',
      action_id: 'go',
      text: plain('Go'),
      style: 'primary',
      value: 'go',
      confirm: {
        title: plain('Really go?'),
        text: { type: 'mrkdwn', text: 'It *cannot* be undone.' },
        confirm: plain('Go now'),
        deny: plain('Stay'),
      },
    },
  },
  { type: 'divider' },
  { type: 'context', elements: [{ type: 'mrkdwn', text: 'small print' }] },
  {
    type: 'actions',
    block_id: 'controls',
    elements: [
      {
        type: 'static_select',
        action_id: 'pick',
        placeholder: plain('Pick a colour'),
        options: [option('Red', 'red'), option('Blue', 'blue')],
        initial_option: option('Blue', 'blue'),
      },
      { type: 'datepicker', action_id: 'day', initial_date: '2027-01-15', placeholder: plain('Pick a day') },
      { type: 'timepicker', action_id: 'hour', initial_time: '09:30', placeholder: plain('Pick a time') },
      { type: 'datetimepicker', action_id: 'moment', initial_date_time: when },
      {
        type: 'radio_buttons',
        action_id: 'size',
        options: [option('Small', 's'), option('Large', 'l')],
        initial_option: option('Large', 'l'),
      },
      {
        type: 'checkboxes',
        action_id: 'extras',
        options: [option('Cheese', 'cheese'), option('Olives', 'olives')],
        initial_options: [option('Olives', 'olives')],
      },
      { type: 'button', action_id: 'stop', text: plain('Stop'), style: 'danger', value: 'stop' },
    ],
  },
];

beforeAll(async () => {
  sandbox = await startSandbox();
  browser = await launchBrowser();
  page = await (await browser.newContext({ locale: 'en-US', timezoneId: 'UTC' })).newPage();
  expect(await webApi('chat.postMessage', { channel: 'C0SANDGENERAL', text: 'Every element', blocks })).toMatchObject({ ok: true });
  await page.goto(sandbox.running.url);
  await page.getByRole('heading', { name: 'Every element' }).waitFor();
});

afterAll(async () => {
  await browser?.close();
  await sandbox?.stop();
});

async function webApi(method: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const response = await fetch(`${sandbox.running.sandbox.apiUrl}${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${sandbox.config.slack.botToken}` },
    body: JSON.stringify(args),
  });
  return (await response.json()) as Record<string, unknown>;
}

describe('Block Kit in the sandbox page', () => {
  it('draws mrkdwn: bold, italic, strike, code, links, mentions as names, dates in local time, emoji, quotes', async () => {
    const text = page.locator('.bk-section').first();
    expect(await text.locator('strong').first().textContent()).toBe('bold');
    expect(await text.locator('em').textContent()).toBe('italic');
    expect(await text.locator('s').textContent()).toBe('gone');
    expect(await text.locator('code').textContent()).toBe('code');
    expect(await text.getByRole('link', { name: 'the docs' }).getAttribute('href')).toBe('https://example.com/docs');
    expect(await text.locator('.mention').textContent()).toBe('@Ben');
    expect(await text.locator('time').textContent()).toBe('2027-01-15 9:30 AM');
    expect(await text.locator('blockquote').textContent()).toBe('quoted line');
    expect(await text.textContent()).toContain('🔑');
  });

  it('draws fields, header, divider and context', async () => {
    expect(await page.locator('.bk-fields .bk-field').count()).toBe(2);
    expect(await page.locator('hr.bk-divider').count()).toBe(1);
    expect(await page.locator('.bk-context').textContent()).toBe('small print');
  });

  it('buttons are buttons named by their text, with their style, and a confirm object opens a dialog that can say no', async () => {
    expect(await page.getByRole('button', { name: 'Stop' }).getAttribute('class')).toContain('danger');
    await page.getByRole('button', { name: 'Go', exact: true }).click();
    const confirm = page.getByRole('dialog', { name: 'Really go?' });
    expect(await confirm.locator('strong').textContent()).toBe('cannot');
    await confirm.getByRole('button', { name: 'Stay' }).click();
    await confirm.waitFor({ state: 'detached' });
  });

  it('an overflow opens a menu of its options, from the keyboard too', async () => {
    const more = page.getByRole('button', { name: 'More actions' });
    await more.focus();
    await page.keyboard.press('Enter');
    expect(await page.getByRole('menu').getByRole('menuitem').allTextContents()).toEqual(['Rename', 'Archive']);
    await page.keyboard.press('Escape');
    expect(await page.getByRole('menu').isHidden()).toBe(true);
  });

  it('select, date, time, date-time, radio buttons and checkboxes show their initial values', async () => {
    expect(await page.getByRole('combobox', { name: 'Pick a colour' }).inputValue()).toBe('blue');
    expect(await page.getByLabel('Pick a day').inputValue()).toBe('2027-01-15');
    expect(await page.getByLabel('Pick a time').inputValue()).toBe('09:30');
    expect(await page.locator('input[type="datetime-local"]').inputValue()).toBe('2027-01-15T09:30');
    expect(await page.getByRole('radio', { name: 'Large' }).isChecked()).toBe(true);
    expect(await page.getByRole('radio', { name: 'Small' }).isChecked()).toBe(false);
    expect(await page.getByRole('checkbox', { name: 'Olives' }).isChecked()).toBe(true);
    expect(await page.getByRole('checkbox', { name: 'Cheese' }).isChecked()).toBe(false);
  });

  it('a modal updated by the app (views.update) changes in place, live, and keeps what the person typed', async () => {
    const box = page.getByRole('textbox', { name: 'Message' });
    await box.fill('/accesskey create');
    await box.press('Enter');
    const modal = page.getByRole('dialog', { name: 'New access key' });
    await modal.getByRole('textbox', { name: 'Name' }).fill('typed by hand');
    const state = (await (await fetch(`${new URL(sandbox.running.url).origin}/sandbox/state?as=U0SANDADA`)).json()) as {
      modals: Array<{ id: string }>;
    };
    const viewId = state.modals[0]?.id;
    const updated = await webApi('views.update', {
      view_id: viewId,
      view: {
        type: 'modal',
        title: plain('Updated in place'),
        submit: plain('Create key'),
        close: plain('Cancel'),
        callback_id: 'create_key_modal',
        blocks: [
          { type: 'section', text: { type: 'mrkdwn', text: 'A *new* line' } },
          { type: 'input', block_id: 'name_block', label: plain('Name'), element: { type: 'plain_text_input', action_id: 'name_input' } },
        ],
      },
    });
    expect(updated).toMatchObject({ ok: true });
    const again = page.getByRole('dialog', { name: 'Updated in place' });
    await expect.poll(() => again.locator('strong').textContent()).toBe('new');
    expect(await again.getByRole('textbox', { name: 'Name' }).inputValue()).toBe('typed by hand');
    await again.getByRole('button', { name: 'Cancel' }).click();
    await again.waitFor({ state: 'detached' });
  });
});
