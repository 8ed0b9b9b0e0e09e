import { describe, expect, it } from 'vitest';
import { sandboxPageForFile } from './page-actions.js';

/** In Chromium: an admin gives a role permissions, then creates a key with a subset of them and a network list. */

const ui = sandboxPageForFile();

describe('least-privilege keys on the sandbox page', () => {
  it('creates a key with a subset of permissions and a network list; verify honours both', async () => {
    const { page } = ui;
    await ui.actAs('Ada (admin)');
    await ui.openConversation('general');
    // Whichever role Ada acts in, it holds these.
    for (const role of ['System Admin', 'Account Group Read Only']) {
      await ui.send(`/accesskey admin role permissions ${role} add alerts.read policies.read policies.write`);
      await expect
        .poll(() =>
          ui
            .messages()
            .getByRole('listitem')
            .filter({ hasText: `${role}: Added` })
            .count(),
        )
        .toBe(1);
    }

    await ui.send('/accesskey create scoped');
    const modal = page.getByRole('dialog', { name: 'New access key' });
    await expect.poll(() => modal.getByRole('checkbox', { name: 'policies.write' }).isChecked()).toBe(true);
    expect(await modal.getByRole('checkbox', { name: 'alerts.read' }).isChecked()).toBe(true);
    await modal.getByRole('checkbox', { name: 'policies.write' }).uncheck();
    const networks = modal.getByRole('textbox', { name: 'Allowed networks' });
    await networks.fill('10.0.0.0/33');
    await modal.getByRole('button', { name: 'Create key' }).click();
    await expect.poll(() => modal.getByRole('alert').textContent()).toBe('`10.0.0.0/33`: the prefix must be 32 or less');
    expect(await networks.getAttribute('aria-invalid')).toBe('true');

    await networks.fill('10.0.0.0/8\n2001:db8::/32');
    await modal.getByRole('button', { name: 'Create key' }).click();
    await modal.waitFor({ state: 'detached' });
    const ready = ui.messages().getByRole('listitem').filter({ hasText: 'scoped is ready' });
    const secret = (await ready.locator('code', { hasText: /^aks_/ }).textContent()) ?? '';
    expect(secret).toMatch(/^aks_/);

    const origin = new URL(ui.sandbox.running.url).origin;
    const verify = async (body: Record<string, unknown>) =>
      (await (
        await fetch(`${origin}/v1/keys/verify`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ key: secret, ...body }),
        })
      ).json()) as Record<string, unknown>;
    expect(await verify({ ip: '10.1.2.3', permissions: 'alerts.read AND policies.read' })).toMatchObject({
      valid: true,
      permissions: ['alerts.read', 'policies.read'],
    });
    expect(await verify({ ip: '10.1.2.3', permissions: 'policies.write' })).toEqual({ valid: false, code: 'INSUFFICIENT_PERMISSIONS' });
    expect(await verify({ ip: '192.0.2.1' })).toEqual({ valid: false, code: 'NETWORK_NOT_ALLOWED' });

    // The details show both.
    await ui.send('/accesskey show scoped');
    const details = ui.messages().getByRole('listitem').filter({ hasText: 'Permissions' }).last();
    await expect.poll(() => details.textContent()).toContain('10.0.0.0/8');
    expect(await details.textContent()).toContain('policies.read');
  });
});
