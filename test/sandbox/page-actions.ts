import type { Page } from 'playwright-core';
import { expect } from 'vitest';

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
