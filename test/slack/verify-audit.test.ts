import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN, AUDIT_CHANNEL, startTestApp, type TestApp } from '../support/app.js';
import { dropTailAfter, rewriteChainFrom } from '../support/audit-tamper.js';
import { postedSeqs } from '../support/background.js';
import { dialects } from '../support/db.js';

const ALICE = 'UALICE';
const root = fileURLToPath(new URL('../..', import.meta.url));

/** `npm run audit:verify` without the build step: the same CLI module, run by tsx. */
function runVerifyCli(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/audit-verify-cli.ts'],
      { cwd: root, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe.each(dialects)('audit verification people can run, on %s', (dialect) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp({ dialect, background: true });
    await t.app.services.access.grant(ADMIN, ALICE);
    for (const name of ['a', 'b']) await t.app.services.keys.create(ALICE, { name, expiry: { kind: 'never' } });
    await t.app.services.keys.deactivate(ALICE, 'a');
    const head = await t.app.store.read.audit.readHead();
    await t.slack.waitFor(() => postedSeqs(t.slack, AUDIT_CHANNEL).length >= head.seq, { timeoutMs: 20_000 });
  });
  afterEach(async () => t.stop());

  const databaseUrl = () => (t.db.config.kind === 'sqlite' ? `file:${t.db.config.path}` : t.db.config.url);
  const verifyInSlack = async (userId = ADMIN) => {
    const before = t.slack.responseUrlPosts.length;
    const ack = await t.slack.sendSlashCommand({ userId, text: 'admin verify-audit' });
    if (ack.body !== undefined) return JSON.stringify(ack.body);
    const post = await t.slack.waitFor(() =>
      t.slack.responseUrlPosts.slice(before).find((p) => JSON.stringify(p.body).includes('Audit verification')),
    );
    return JSON.stringify(post.body);
  };

  it('/accesskey admin verify-audit reports an intact chain that matches the security channel', async () => {
    const head = await t.app.store.read.audit.readHead();
    const report = await verifyInSlack();
    expect(report).toContain(`Hash chain intact: ${head.seq} records`);
    expect(report).toContain(`all ${head.seq} posted record hashes match the chain, through #${head.seq}`);
    expect(t.slack.callsTo('conversations.history').length).toBeGreaterThan(0);
  });

  it('a wholesale rewrite passes the chain walk, but the channel cross-check names the first rewritten record', async () => {
    await rewriteChainFrom(t.db, 3, { actorId: 'UMALLORY' });
    const report = await verifyInSlack();
    expect(report).toContain('Hash chain intact');
    expect(report).toContain('Security channel MISMATCH: record #3 has a different hash');
    expect(report).toContain('everything through #2 matches');
  });

  it('only admins may run it', async () => {
    const report = await verifyInSlack(ALICE);
    expect(report).not.toContain('Hash chain');
    expect(report).toMatch(/admin/i);
  });

  it('npm run audit:verify exits 0 when intact and 1 with the first bad record otherwise, with or without Slack', async () => {
    const slackEnv = { SLACK_BOT_TOKEN: 'xoxb-test', AUDIT_CHANNEL_ID: AUDIT_CHANNEL, SLACK_API_URL: t.slack.apiUrl };
    const intact = await runVerifyCli({ DATABASE_URL: databaseUrl(), ...slackEnv });
    expect(intact).toMatchObject({ code: 0 });
    expect(intact.stdout).toContain('posted record hashes match the chain');

    await sql`update audit_log set actor_id = 'UMALLORY' where seq = 4`.execute(t.db.connection.db);
    const edited = await runVerifyCli({ DATABASE_URL: databaseUrl() });
    expect(edited.code).toBe(1);
    expect(edited.stdout).toContain('record #4 was edited');
    expect(edited.stdout).toContain('FIRST BAD RECORD: #4');
    expect(edited.stdout).toContain('cross-check not run');
  });

  it('npm run audit:verify exits 2 when the cross-check it was asked for cannot read the channel', async () => {
    const result = await runVerifyCli({
      DATABASE_URL: databaseUrl(),
      SLACK_BOT_TOKEN: 'xoxb-test',
      AUDIT_CHANNEL_ID: 'C0NOPE',
      SLACK_API_URL: t.slack.apiUrl,
    });
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('Hash chain intact');
    expect(result.stdout).toContain('cross-check could not run');
    expect(result.stdout).toContain('channel_not_found');
  });

  it('at start-up, a chain cut short while the app was down raises an alert log line and a security-channel post', async () => {
    const head = await t.app.store.read.audit.readHead();
    await t.restart(async () => dropTailAfter(t.db, head.seq - 2));
    const alertLine = t.logs
      .map((l) => JSON.parse(l) as { alert?: string; seenSeq?: number })
      .find((l) => l.alert === 'audit_tail_mismatch');
    expect(alertLine).toMatchObject({ seenSeq: head.seq });
    const post = await t.slack.waitFor(
      () => t.slack.messagesIn(AUDIT_CHANNEL).find((m) => JSON.stringify(m.blocks).includes('Audit log does not continue')),
      { timeoutMs: 20_000 },
    );
    expect(post.blocks[0]).toMatchObject({ type: 'header' });
    // Told once: the next start finds the chain continuing from the alert record.
    await t.restart();
    expect(t.logs.filter((l) => l.includes('audit_tail_mismatch') && l.includes('"alert"'))).toHaveLength(1);
  });
});
