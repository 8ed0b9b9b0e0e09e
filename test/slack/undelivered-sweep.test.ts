import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createMemoryLogger } from '../../src/logger.js';
import { startApp, type RunningApp } from '../../src/runtime.js';
import { INPUT } from '../../src/slack/ids.js';
import { ADMIN, APPROVALS_CHANNEL, AUDIT_CHANNEL, secretsIn } from '../support/app.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/db.js';
import { TestClock } from '../support/domain.js';
import { SlackEmulator } from '../support/slack-emulator/index.js';
import { STALL_MS, until } from '../support/wait.js';

const ALICE = 'UALICE';
// node itself with tsx's loader, not the tsx CLI: the CLI runs the app in a grandchild, which SIGKILL would miss.
const tsxLoader = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;
const appProcess = new URL('../support/app-process.ts', import.meta.url).pathname;

function environment(slack: SlackEmulator, db: TestDatabase): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_SIGNING_SECRET: 'test-signing-secret',
    SLACK_API_URL: slack.apiUrl,
    PORT: '0',
    METRICS_PORT: '0',
    DATABASE_URL: db.config.kind === 'sqlite' ? `file:${db.config.path}` : db.config.url,
    AUDIT_CHANNEL_ID: AUDIT_CHANNEL,
    APPROVALS_CHANNEL_ID: APPROVALS_CHANNEL,
    BOOTSTRAP_ADMINS: ADMIN,
    TOKEN_SIGNING_SECRET: 'test-token-signing-secret-of-32-chars!',
    LOG_LEVEL: 'error',
  };
}

/** The app in a child process, as `npm start` runs it; resolves once it listens. */
async function spawnApp(env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', tsxLoader, appProcess], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout ?? process.stdin });
  const port = await new Promise<number>((resolve, reject) => {
    // Starting a process compiles the app first: on a loaded machine that alone can take tens of seconds.
    const timer = setTimeout(() => reject(new Error(`the app process did not start within ${(2 * STALL_MS) / 1000} s`)), 2 * STALL_MS);
    child.once('exit', (code) => reject(new Error(`the app process exited early (${String(code)})`)));
    lines.on('line', (line) => {
      const parsed = JSON.parse(line) as { port?: number };
      if (typeof parsed.port === 'number') {
        clearTimeout(timer);
        resolve(parsed.port);
      }
    });
  });
  return { child, port };
}

describe.each(dialects)('a key whose secret never reached its owner (%s)', (dialect) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  it('after SIGKILL between the commit and the delivery, the restarted app removes the key: slot free, audited, owner told by DM', async () => {
    const slack = await SlackEmulator.start();
    cleanups.push(() => slack.stop());
    for (const id of [ADMIN, ALICE]) slack.addUser({ id, name: id.slice(1).toLowerCase() });
    slack.addChannel({ id: AUDIT_CHANNEL, name: 'security-audit' });
    slack.addChannel({ id: APPROVALS_CHANNEL, name: 'key-approvals' });
    const db = await createTestDatabase(dialect);
    cleanups.push(() => db.cleanup());
    const env = environment(slack, db);

    const { child, port } = await spawnApp(env);
    cleanups.push(async () => {
      child.kill('SIGKILL');
    });
    slack.useHttpTarget(`http://127.0.0.1:${port}/slack/events`);
    await slack.sendSlashCommand({ userId: ADMIN, text: `admin grant <@${ALICE}>` });
    // Slack stops answering right after the commit: neither the message nor the CSV can get out.
    slack.fault({ method: 'response_url', kind: 'delay', ms: 60_000 });
    slack.fault({ method: 'files.getUploadURLExternal', kind: 'delay', ms: 60_000 });
    slack.fault({ method: 'conversations.open', kind: 'delay', ms: 60_000 });
    await slack.sendSlashCommand({ userId: ALICE, text: 'create stranded' });
    const view = await slack.waitFor(() => slack.openViewFor(ALICE), { timeoutMs: 10_000 });
    await slack.sendViewSubmission({ userId: ALICE, viewId: view.id, inputs: { [INPUT.name]: 'stranded' } });
    const [key] = await until(
      async () => {
        const keys = await db.store.read.keys.list({ ownerId: ALICE });
        return keys.length === 1 && keys;
      },
      'the key to be committed',
      10_000,
    );
    expect(key?.deliveredAt).toBeNull();
    const exited = new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(slack.responseUrlPosts.filter((p) => secretsIn(JSON.stringify(p.body)).length > 0)).toEqual([]);

    // Restart (background work on, Slack healthy again) a few minutes later: the sweep runs at start.
    slack.clearFaults();
    const clock = new TestClock(new Date(Date.now() + 3 * 60_000));
    const memory = createMemoryLogger();
    const app: RunningApp = await startApp(loadConfig(env), {
      logger: memory,
      now: clock.now,
      background: true,
      slackClientOptions: { retryConfig: { retries: 0 } },
    });
    cleanups.push(() => app.stop());
    const removed = await until(
      async () =>
        (await app.services.audit.search({ keyId: key?.id ?? 'none', limit: 5 })).find((r) => r.action === 'key.deleted_undelivered'),
      'the sweep to remove the key',
      10_000,
    );
    expect(removed.details).toMatchObject({ reason: 'secret_not_delivered' });
    expect(removed.ownerId).toBe(ALICE);
    expect((await app.services.keys.list(ALICE)).keys).toEqual([]);
    expect((await app.services.keys.slots(ALICE)).used).toBe(0);
    const dm = await slack.waitFor(() => slack.dmChannelOf(ALICE));
    await slack.waitFor(() => slack.messagesIn(dm).some((m) => (m.text ?? '').includes('never reached you')), {
      message: 'the owner to be told by DM',
    });
    // The killed process deleted nothing itself; the sweep removed the key once, though it keeps running.
    expect((await app.services.audit.search({ keyId: key?.id ?? 'none', limit: 10 })).map((r) => r.action)).toEqual([
      'key.deleted_undelivered',
      'key.created',
    ]);
  }, 60_000);
});
