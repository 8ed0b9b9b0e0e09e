import { describe, expect, it } from 'vitest';
import { sandboxPageForFile } from './page-actions.js';

const s = sandboxPageForFile();

describe('the leak response in the sandbox, driven in Chromium', () => {
  it('a key pasted into #general is disabled; the thread, the owner and the security channel are told', async () => {
    await s.actAs('Ada (admin)');
    await s.openConversation('general');
    await s.send('/accesskey create pasted');
    const modal = s.page.getByRole('dialog', { name: 'New access key' });
    await modal.getByRole('button', { name: 'Create key' }).click();
    await modal.waitFor({ state: 'detached' });
    const ready = s.messages().getByRole('listitem').filter({ hasText: 'pasted is ready' });
    const secret = (await ready.locator('code', { hasText: /^aks_/ }).textContent()) ?? '';
    expect(secret).toMatch(/^aks_[0-9A-Za-z]{46}$/);

    // Ben pastes it: a plain message, typed like any other, reaches the app as Slack's message event.
    await s.actAs('Ben');
    await s.openConversation('general');
    await s.send(`here is the key: ${secret}`);
    const posted = s.messages().getByRole('listitem').filter({ hasText: 'here is the key' });
    await expect.poll(() => posted.locator('.author').textContent()).toBe('Ben');
    const reply = s.messages().getByRole('listitem').filter({ hasText: 'contains an access key' });
    await expect.poll(() => reply.textContent()).toContain('Please delete the message');

    const verify = async () => {
      const answer = await fetch(new URL('/v1/keys/verify', s.sandbox.running.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ key: secret }),
      });
      return ((await answer.json()) as { valid: boolean }).valid;
    };
    await expect.poll(verify).toBe(false);

    await s.actAs('Ada (admin)');
    await s.openConversation('Access Key Bot');
    const ownerDm = s.messages().getByRole('listitem').filter({ hasText: 'was found in Slack' });
    await expect.poll(() => ownerDm.getByRole('button', { name: 'Rotate' }).count()).toBe(1);
    await s.openConversation('security-audit');
    const card = s.messages().getByRole('listitem').filter({ hasText: 'Leaked access key disabled' });
    await expect.poll(() => card.count()).toBe(1);
    expect(await card.textContent()).not.toContain(secret.slice(4, 12));
    await card.getByRole('button', { name: 'False positive — reactivate' }).click();
    await s.page.getByRole('dialog', { name: 'Reactivate this key?' }).getByRole('button', { name: 'Reactivate' }).click();
    await expect.poll(verify).toBe(true);
    await expect.poll(() => card.textContent()).toContain('marked a false positive');
  });
});
