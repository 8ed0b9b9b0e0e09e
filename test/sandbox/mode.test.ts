import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { isAppError } from '../../src/errors.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/db.js';
import { until } from '../support/wait.js';
import { startSandbox, type SandboxUnderTest } from './harness.js';

function configError(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    if (isAppError(error)) return error.message;
    throw error;
  }
  throw new Error('expected a configuration error');
}

describe('sandbox mode in the configuration', () => {
  it('no Slack variable at all means the sandbox, with its own channels, admin, database and fresh secrets', () => {
    const first = loadConfig({});
    const second = loadConfig({});
    expect(first.sandbox).toBe(true);
    expect(first.host).toBe('127.0.0.1');
    expect(first.port).toBe(3000);
    expect(first.database).toEqual({ kind: 'sqlite', path: './data/sandbox.sqlite' });
    expect(first.auditChannelId).toBe('C0SANDAUDIT');
    expect(first.approvalsChannelId).toBe('C0SANDAPPROVALS');
    expect(first.bootstrapAdmins).toEqual(['U0SANDADA']);
    expect(first.slack.botToken).toMatch(/^xoxb-sandbox-[0-9a-f]{48}$/);
    expect(first.slack.socketMode).toBe(false);
    expect(first.tokenSigningSecret?.length).toBeGreaterThanOrEqual(32);
    // Made at every start, never fixed in the code.
    expect(second.slack.signingSecret).not.toBe(first.slack.signingSecret);
    expect(second.tokenSigningSecret).not.toBe(first.tokenSigningSecret);
  });

  it('an explicit DATABASE_URL, PORT and HOST win', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u@h/db', PORT: '4100', HOST: '0.0.0.0' });
    expect(config.sandbox).toBe(true);
    expect(config.database).toEqual({ kind: 'postgres', url: 'postgres://u@h/db' });
    expect(config.port).toBe(4100);
    expect(config.host).toBe('0.0.0.0');
  });

  it('a half-set Slack configuration is an error, never a silent sandbox', () => {
    expect(configError({ SLACK_SIGNING_SECRET: 'abc' })).toContain('SLACK_BOT_TOKEN is required');
    const botOnly = configError({ SLACK_BOT_TOKEN: 'xoxb-1' });
    expect(botOnly).toContain('SLACK_SIGNING_SECRET is required in HTTP mode');
    expect(botOnly).toContain('AUDIT_CHANNEL_ID is required');
    expect(configError({ SLACK_APP_TOKEN: 'xapp-1' })).toContain('SLACK_BOT_TOKEN is required');
  });

  it('a real workspace listens on every interface unless HOST says otherwise', () => {
    const config = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1', AUDIT_CHANNEL_ID: 'C0AUDIT' });
    expect(config.sandbox).toBe(false);
    expect(config.host).toBe('0.0.0.0');
  });
});

describe('the running sandbox', () => {
  let sandbox: SandboxUnderTest;
  let origin: string;
  const post = (path: string, body: unknown) =>
    fetch(`${origin}/sandbox/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin },
      body: JSON.stringify(body),
    });
  const state = async (as = 'U0SANDADA', channel = 'C0SANDGENERAL') =>
    (await (await fetch(`${origin}/sandbox/state?as=${as}&channel=${channel}`)).json()) as {
      messages: Array<{ text: string; blocks: unknown[] }>;
      modals: Array<{ id: string }>;
    };

  beforeAll(async () => {
    sandbox = await startSandbox();
    origin = new URL(sandbox.running.url).origin;
  });
  afterAll(async () => sandbox?.stop());

  it('listens on loopback only, and serves the page at /sandbox', async () => {
    const address = sandbox.running.app.server.address();
    expect(typeof address === 'object' && address !== null ? address.address : address).toBe('127.0.0.1');
    expect(sandbox.running.url).toBe(`http://127.0.0.1:${sandbox.running.port}/sandbox`);
    const page = await fetch(sandbox.running.url);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('aria-label="Message"');
  });

  it('is Slack to the app: the app’s own /slack/events still refuses an unsigned request', async () => {
    const unsigned = await fetch(`${origin}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"type":"event_callback"}',
    });
    expect(unsigned.status).toBe(401);
  });

  it('refuses malformed page requests with a short reason', async () => {
    const notJson = await fetch(`${origin}/sandbox/command`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin },
      body: 'not json',
    });
    expect(notJson.status).toBe(400);
    const stranger = await post('command', { as: 'U0NOBODY', channel: 'C0SANDGENERAL', text: '/accesskey help' });
    expect(stranger.status).toBe(400);
    expect(((await stranger.json()) as { error: string }).error).toContain('sandbox people');
    const unknownCommand = await post('command', { as: 'U0SANDADA', channel: 'C0SANDGENERAL', text: '/deploy now' });
    expect(((await unknownCommand.json()) as { error: string }).error).toContain('/accesskey');
    // Plain text is no refusal: it is posted as the person's message and sent to the app as a message
    // event (docs/leak-response.md).
    const chat = await post('command', { as: 'U0SANDADA', channel: 'C0SANDGENERAL', text: 'hello' });
    expect(chat.status).toBe(200);
    expect((await state()).messages.some((m) => m.text === 'hello')).toBe(true);
    expect((await fetch(`${origin}/sandbox/static/..%2Fsandbox.ts`)).status).toBe(404);
  });

  it('reset deletes every key and message, and the app comes back on the same port', async () => {
    await post('command', { as: 'U0SANDADA', channel: 'C0SANDGENERAL', text: '/accesskey create before-reset' });
    const modal = await until(async () => (await state()).modals[0], 'the create modal');
    await post('submit', { as: 'U0SANDADA', viewId: modal.id, form: {} });
    const secret = await until(async () => /aks_[0-9A-Za-z]{46}/.exec(JSON.stringify((await state()).messages))?.[0], 'the secret message');
    const verify = () =>
      fetch(`${origin}/v1/keys/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ key: secret }),
      }).then((r) => r.json() as Promise<{ valid: boolean }>);
    expect((await verify()).valid).toBe(true);
    const before = sandbox.running.app;

    expect((await post('reset', {})).status).toBe(200);
    await until(
      async () =>
        sandbox.running.app !== before &&
        (await fetch(`${origin}/healthz`).then(
          (r) => r.ok,
          () => false,
        )),
      'the app to restart',
      15_000,
    );
    expect(await verify()).toMatchObject({ valid: false, code: 'NOT_FOUND' });
    expect((await state()).messages).toEqual([]);
    expect(existsSync(sandbox.databasePath)).toBe(true);
    // The audit tail witness went with the database: an emptied sandbox is not a rewritten audit log.
    expect(sandbox.logs.filter((line) => line.includes('audit_tail_mismatch'))).toEqual([]);
  });
});

describe.each(dialects)('the sandbox on an explicit DATABASE_URL (%s)', (dialect) => {
  let db: TestDatabase;
  let sandbox: SandboxUnderTest;

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    const url = db.config.kind === 'sqlite' ? `file:${db.config.path}` : db.config.url;
    sandbox = await startSandbox({ DATABASE_URL: url }, { ownsDatabase: false });
  });
  afterAll(async () => {
    await sandbox?.stop();
    await db?.cleanup();
  });

  it('keeps its keys there, and reset clears only Slack’s side', async () => {
    const origin = new URL(sandbox.running.url).origin;
    const post = (path: string, body: unknown) =>
      fetch(`${origin}/sandbox/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin },
        body: JSON.stringify(body),
      });
    const state = async () =>
      (await (await fetch(`${origin}/sandbox/state?as=U0SANDADA`)).json()) as {
        messages: unknown[];
        modals: Array<{ id: string }>;
        resetClears: string;
      };
    expect((await state()).resetClears).toBe('slack');
    await post('command', { as: 'U0SANDADA', channel: 'C0SANDGENERAL', text: '/accesskey create kept' });
    const modal = await until(async () => (await state()).modals[0], 'the create modal');
    await post('submit', { as: 'U0SANDADA', viewId: modal.id, form: {} });
    const secret = await until(async () => /aks_[0-9A-Za-z]{46}/.exec(JSON.stringify((await state()).messages))?.[0], 'the secret message');
    const keys = await db.store.read.keys.list({ ownerId: 'U0SANDADA' });
    expect(keys.map((k) => k.name)).toEqual(['kept']);

    const before = sandbox.running.app;
    await post('reset', {});
    await until(
      async () =>
        sandbox.running.app !== before &&
        (await fetch(`${origin}/healthz`).then(
          (r) => r.ok,
          () => false,
        )),
      'the app to restart',
      15_000,
    );
    expect((await state()).messages).toEqual([]);
    const verify = await fetch(`${origin}/v1/keys/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key: secret }),
    });
    expect(await verify.json()).toMatchObject({ valid: true });
  });
});
