import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { BOT_SCOPES } from '../../src/slack/installations.js';
import { afterEach, describe, expect, it } from 'vitest';
import { configErrorOf, minimalEnv } from '../support/config.js';
import { ADMIN, APPROVALS_CHANNEL, startTestApp, type TestApp, type TestAppOptions } from '../support/app.js';
import { until } from '../support/wait.js';
import { dialects } from '../support/db.js';
import { dumpAllRows } from '../support/dump.js';

const ALICE = 'UALICE';
const ENCRYPTION_KEY = randomBytes(32).toString('base64');

/** An OAuth deployment: no SLACK_BOT_TOKEN, the four OAuth settings instead. */
const oauthEnv = {
  SLACK_BOT_TOKEN: '',
  SLACK_CLIENT_ID: 'test-client-id',
  SLACK_CLIENT_SECRET: 'test-client-secret',
  SLACK_STATE_SECRET: 'state-secret-of-some-length',
  INSTALLATION_ENCRYPTION_KEY: ENCRYPTION_KEY,
};

/**
 * A browser installing the app: /slack/install (state cookie) → Slack's authorize page (the emulator
 * approves) → /slack/oauth_redirect with code and state → the page the app shows.
 */
async function installThroughBrowser(t: TestApp): Promise<{ status: number; page: string }> {
  const appUrl = `http://127.0.0.1:${t.app.port}`;
  t.slack.useOAuthRedirect(`${appUrl}/slack/oauth_redirect`);
  const start = await fetch(`${appUrl}/slack/install`, { redirect: 'manual' });
  expect(start.status).toBe(302);
  const cookie = (start.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const consent = await fetch(start.headers.get('location') ?? '', { redirect: 'manual' });
  expect(consent.status).toBe(302);
  const back = await fetch(consent.headers.get('location') ?? '', { redirect: 'manual', headers: { cookie } });
  return { status: back.status, page: await back.text() };
}

describe.each(dialects)('OAuth install on %s', (dialect) => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });
  const start = async (options: TestAppOptions = {}) => {
    t = await startTestApp({ dialect, ...options, env: { ...oauthEnv, ...options.env } });
    return t;
  };

  it('installs through /slack/install, keeps the tokens encrypted, and the app works with the installed token', async () => {
    const app = await start();
    // Not installed yet: Slack's request is refused, logged as a warning, and nothing breaks.
    await app.slack.sendSlashCommand({ userId: ADMIN, text: 'help' });
    await until(async () => app.logs.some((l) => l.includes('slack request from a workspace this app is not installed in')), 'the warning');
    expect(app.logs.filter((l) => l.includes('"level":"error"'))).toEqual([]);
    const installed = await installThroughBrowser(app);
    expect(installed.status).toBe(200);
    expect(installed.page).toContain('Access Key Bot is installed');
    const [token] = app.slack.issuedTokens();
    expect(token).toBeDefined();
    // The app has no other token: a modal that opens was opened with the installed one.
    await app.slack.sendSlashCommand({ userId: ADMIN, text: 'create first' });
    await app.slack.waitFor(() => app.slack.openViewFor(ADMIN));
    // The background workers (here the notification outbox: the requester's DM) use the installed token as well.
    await app.slack.sendSlashCommand({ userId: ALICE, text: 'request-access deploys' });
    await app.slack.waitFor(() => app.slack.messagesIn(APPROVALS_CHANNEL).length > 0);
    await app.app.services.access.grant(ADMIN, ALICE);
    await app.slack.waitFor(() => app.slack.messagesIn(app.slack.dmChannelOf(ALICE) ?? 'none').length > 0);
    const dump = await dumpAllRows(app.db);
    expect(dump.text).not.toContain(token?.token ?? 'none');
    const audit = await app.app.services.audit.search({ limit: 50 });
    expect(audit.filter((r) => r.action === 'app.installed')).toEqual([
      expect.objectContaining({ details: { enterpriseId: null, teamId: 'T0001', orgWide: false } }),
    ]);
    expect(JSON.stringify(audit)).not.toContain(token?.token ?? 'none');
  });

  it('refreshes an expired rotating token by itself: the user sees the answer, not an error', async () => {
    const app = await start({ emulator: { tokenRotation: true, tokenLifetimeSec: 3600 } });
    expect((await installThroughBrowser(app)).status).toBe(200);
    const [first] = app.slack.issuedTokens();
    // Past the token's lifetime on Slack's side: the first token now answers token_expired.
    app.slack.advanceClock(2 * 3600 * 1000);
    await app.slack.sendSlashCommand({ userId: ADMIN, text: 'create after-expiry' });
    await app.slack.waitFor(() => app.slack.openViewFor(ADMIN));
    const refreshes = app.slack.callsTo('oauth.v2.access').filter((c) => c.args.grant_type === 'refresh_token');
    expect(refreshes.length).toBeGreaterThan(0);
    expect(app.slack.issuedTokens().length).toBeGreaterThan(1);
    expect(app.slack.ephemeralsFor(ADMIN)).toEqual([]);
    // The modal was opened with the new token: the first one answers token_expired now.
    expect(app.slack.callsTo('views.open').at(-1)?.response).toEqual(expect.objectContaining({ ok: true }));
    expect(first?.expiresAt).toBeLessThanOrEqual(Date.now() + 3600 * 1000);
    // No token or refresh token in any log line, nor anywhere in the database in the clear.
    const refreshTokens = app.slack.callsTo('oauth.v2.access').map((c) => String((c.response as { refresh_token?: string }).refresh_token));
    const secrets = [...app.slack.issuedTokens().map((i) => i.token), ...refreshTokens];
    const logs = app.logs.join('\n');
    const dump = (await dumpAllRows(app.db)).text;
    for (const secret of secrets) {
      expect(logs).not.toContain(secret);
      expect(dump).not.toContain(secret);
    }
  });

  it('uninstalling removes the installation and makes every key inactive, with the audit kept and whole', async () => {
    const app = await start();
    expect((await installThroughBrowser(app)).status).toBe(200);
    await app.app.services.access.grant(ADMIN, ALICE);
    const key = await app.app.services.keys.create(ALICE, { name: 'deploy', expiry: { kind: 'never' } });
    await app.slack.uninstallApp();
    await until(async () => (await app.app.services.installations.find()) === undefined, 'the installation is removed');
    expect((await app.app.services.keys.show(ALICE, key.key.id)).key.status).toBe('inactive');
    const audit = await app.app.services.audit.search({ limit: 50 });
    expect(audit.map((r) => r.action)).toEqual(expect.arrayContaining(['key.inactivated_uninstall', 'app.uninstalled', 'key.created']));
    expect((await app.app.services.audit.verifyChain()).ok).toBe(true);
  });

  it('tokens_revoked removes the installation only when it names the bot', async () => {
    const app = await start();
    expect((await installThroughBrowser(app)).status).toBe(200);
    await app.app.services.access.grant(ADMIN, ALICE);
    const key = await app.app.services.keys.create(ALICE, { name: 'deploy', expiry: { kind: 'never' } });
    await app.slack.sendEvent({ type: 'tokens_revoked', tokens: { oauth: ['U0INSTALLER'] } });
    expect(await app.app.services.installations.find()).toBeDefined();
    await app.slack.sendEvent({ type: 'tokens_revoked', tokens: { bot: ['U0BOT'] } });
    await until(async () => (await app.app.services.installations.find()) === undefined, 'the installation is removed');
    expect((await app.app.services.keys.show(ALICE, key.key.id)).key.status).toBe('inactive');
    const uninstalled = (await app.app.services.audit.search({ limit: 50 })).filter((r) => r.action === 'app.uninstalled');
    expect(uninstalled).toEqual([
      expect.objectContaining({ details: expect.objectContaining({ reason: 'tokens_revoked', keysMadeInactive: 1 }) }),
    ]);
  });

  it('an install from another workspace is refused with a clear page and changes nothing', async () => {
    const app = await start();
    expect((await installThroughBrowser(app)).status).toBe(200);
    app.slack.setInstallTarget({ teamId: 'T0OTHER', teamName: 'Other Co' });
    const refused = await installThroughBrowser(app);
    expect(refused.status).toBe(403);
    expect(refused.page).toContain('already serves the workspace T0001');
    expect((await app.app.services.installations.find())?.teamId).toBe('T0001');
  });
});

describe.each(dialects)('Org-wide install (Enterprise Grid) on %s', (dialect) => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('serves every workspace of the org: a person sees the same keys from two workspaces, and a modal opens in each', async () => {
    t = await startTestApp({ dialect, env: oauthEnv });
    t.slack.addWorkspace({ id: 'T0002', name: 'Acme EU', domain: 'acme-eu' });
    t.slack.setInstallTarget({ enterpriseId: 'E0001', enterpriseName: 'Acme Group', isEnterpriseInstall: true });
    const installed = await installThroughBrowser(t);
    expect(installed.status).toBe(200);
    expect(installed.page).toContain('every workspace of Acme Group');
    expect(await t.app.services.installations.find()).toEqual(
      expect.objectContaining({ enterpriseId: 'E0001', isEnterpriseInstall: true }),
    );
    await t.app.services.access.grant(ADMIN, ALICE);
    const key = await t.app.services.keys.create(ALICE, { name: 'deploy', expiry: { kind: 'never' } });
    for (const team of ['T0001', 'T0002']) {
      t.slack.useWorkspace(team);
      const list = await t.slack.sendSlashCommand({ userId: ALICE, text: 'list' });
      expect(list.payload).toEqual(expect.objectContaining({ team_id: team, enterprise_id: 'E0001', is_enterprise_install: 'true' }));
      expect(JSON.stringify(list.body)).toContain(key.key.id);
      await t.slack.sendSlashCommand({ userId: ALICE, text: `create from-${team}` });
      await t.slack.waitFor(() => t?.slack.openViewFor(ALICE));
      await t.slack.sendViewClosed({ userId: ALICE });
    }
  });

  it('an install by an unrelated organisation is refused with a clear page', async () => {
    t = await startTestApp({ dialect, env: oauthEnv });
    t.slack.setInstallTarget({ enterpriseId: 'E0001', enterpriseName: 'Acme Group', isEnterpriseInstall: true });
    expect((await installThroughBrowser(t)).status).toBe(200);
    t.slack.setInstallTarget({ enterpriseId: 'E0OTHER', enterpriseName: 'Other Group', teamId: 'T0OTHER' });
    const refused = await installThroughBrowser(t);
    expect(refused.status).toBe(403);
    expect(refused.page).toContain('already serves the Enterprise organisation E0001');
    expect((await t.app.services.installations.find())?.enterpriseId).toBe('E0001');
  });
});

describe('OAuth configuration', () => {
  it("an install asks for exactly the manifest's bot scopes", () => {
    const manifest = parse(readFileSync(new URL('../../manifest.yml', import.meta.url), 'utf8')) as {
      oauth_config: { scopes: { bot: string[] } };
    };
    expect([...BOT_SCOPES].sort()).toEqual([...manifest.oauth_config.scopes.bot].sort());
  });

  it('a half-set OAuth configuration is a clear start-up error', () => {
    const error = configErrorOf({ ...minimalEnv, SLACK_BOT_TOKEN: '', SLACK_CLIENT_ID: 'id', SLACK_CLIENT_SECRET: 'secret' });
    expect(error).toContain('SLACK_STATE_SECRET, INSTALLATION_ENCRYPTION_KEY are required for an OAuth install');
  });

  it('an encryption key that is not 32 bytes of base64 is named', () => {
    const error = configErrorOf({ ...minimalEnv, ...oauthEnv, INSTALLATION_ENCRYPTION_KEY: 'c2hvcnQ=' });
    expect(error).toContain('INSTALLATION_ENCRYPTION_KEY must be 32 random bytes in base64');
  });

  it('the token setup without SLACK_BOT_TOKEN says what to set', () => {
    expect(configErrorOf({ ...minimalEnv, SLACK_BOT_TOKEN: '' })).toContain('SLACK_BOT_TOKEN is required');
  });
});
