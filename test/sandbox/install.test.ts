import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../support/wait.js';
import { startSandbox, type SandboxUnderTest } from './harness.js';

/**
 * SANDBOX_INSTALL=oauth: the sandbox starts with the app uninstalled; the page's Install link runs the
 * real OAuth flow (Bolt's installer, the emulator's consent page), org-wide over the sandbox's two
 * workspaces. Driven here by HTTP as the browser would follow it.
 */
const ADA = 'U0SANDADA';
const GENERAL = 'C0SANDGENERAL';

describe('the sandbox install path and second workspace', () => {
  let sandbox: SandboxUnderTest | undefined;
  afterEach(async () => {
    await sandbox?.stop();
    sandbox = undefined;
  });

  async function pageApi(s: SandboxUnderTest) {
    const origin = `http://127.0.0.1:${s.running.port}`;
    const post = (path: string, body: unknown) =>
      fetch(`${origin}/sandbox/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin },
        body: JSON.stringify(body),
      });
    const state = async () =>
      (await (await fetch(`${origin}/sandbox/state?as=${ADA}&channel=${GENERAL}`)).json()) as {
        install: boolean;
        workspace: string;
        workspaces: Array<{ id: string; name: string }>;
        modals: Array<{ id: string }>;
      };
    return { origin, post, state };
  }

  it('Install goes through /slack/install and Slack-like consent, and then both workspaces are served', async () => {
    sandbox = await startSandbox({ SANDBOX_INSTALL: 'oauth' });
    const { origin, post, state } = await pageApi(sandbox);
    expect((await state()).install).toBe(true);

    const start = await fetch(`${origin}/slack/install`, { redirect: 'manual' });
    expect(start.status).toBe(302);
    const cookie = (start.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const consent = await fetch(start.headers.get('location') ?? '', { redirect: 'manual' });
    expect(consent.status).toBe(302);
    const back = await fetch(consent.headers.get('location') ?? '', { redirect: 'manual', headers: { cookie } });
    expect(back.status).toBe(200);
    expect(await back.text()).toContain('every workspace of Sandbox Group');

    for (const team of (await state()).workspaces.map((w) => w.id)) {
      expect((await post('workspace', { team })).status).toBe(200);
      expect((await state()).workspace).toBe(team);
      await post('command', { as: ADA, channel: GENERAL, text: `/accesskey create from-${team}` });
      const modal = await until(async () => (await state()).modals[0], `the create modal in ${team}`);
      await post('close', { as: ADA, viewId: modal.id });
      await until(async () => (await state()).modals.length === 0, 'the modal closed');
    }
  });

  it('the token sandbox offers the second workspace too, and no Install', async () => {
    sandbox = await startSandbox();
    const { post, state } = await pageApi(sandbox);
    const before = await state();
    expect(before.install).toBe(false);
    expect(before.workspaces.map((w) => w.name)).toEqual(['Sandbox', 'Sandbox EU']);
    expect((await post('workspace', { team: 'T0NOWHERE' })).status).toBe(409);
  });
});
