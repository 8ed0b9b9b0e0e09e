import { describe, expect, it } from 'vitest';
import { sandboxPageForFile } from './page-actions.js';

const ui = sandboxPageForFile();

describe('when someone leaves, on the sandbox page', () => {
  it('an admin deactivates Ben; the security channel gets his card; his key is transferred to Cleo, who is told', async () => {
    const { page } = ui;
    await ui.actAs('Ada (admin)');
    await ui.openConversation('general');
    for (const person of ['@Ben', '@Cleo']) {
      await ui.send(`/accesskey admin grant ${person}`);
      await expect.poll(() => ui.messages().textContent()).toContain(`${person.slice(1)} now has API access`);
    }

    await ui.actAs('Ben');
    await ui.send('/accesskey create ben-ci');
    const modal = page.getByRole('dialog', { name: 'New access key' });
    await modal.getByRole('button', { name: 'Create key' }).click();
    await modal.waitFor({ state: 'detached' });
    await expect.poll(() => ui.messages().textContent()).toContain('ben-ci is ready');

    // Only an admin has the account controls, as in Slack's admin pages.
    expect(await page.getByRole('button', { name: 'Deactivate Cleo' }).count()).toBe(0);
    await ui.actAs('Ada (admin)');
    await page.getByRole('button', { name: 'Deactivate Ben' }).click();
    const confirm = page.getByRole('dialog', { name: "Deactivate Ben's account?" });
    await confirm.getByRole('button', { name: 'Deactivate' }).click();
    await expect.poll(() => page.getByRole('combobox', { name: 'Acting as' }).textContent()).toContain('Ben (deactivated)');
    expect(await page.getByRole('button', { name: 'Reactivate Ben' }).count()).toBe(1);

    await ui.openConversation('security-audit');
    const card = ui.messages().getByRole('listitem').filter({ hasText: 'Someone left' });
    await expect.poll(() => card.count()).toBe(1);
    expect(await card.textContent()).toContain('ben-ci');
    await card.getByRole('combobox', { name: 'Transfer to…' }).selectOption({ label: 'Cleo' });
    await expect.poll(() => card.textContent()).toContain('Transferred to');
    expect(await card.getByRole('button', { name: 'Keep inactive' }).count()).toBe(0);

    await ui.actAs('Cleo');
    await ui.openConversation('Access Key Bot');
    await expect.poll(() => ui.messages().textContent()).toContain('transferred the access key');
    await ui.openConversation('general');
    await ui.send('/accesskey list');
    await expect.poll(() => ui.messages().textContent()).toContain('ben-ci');
  });
});
