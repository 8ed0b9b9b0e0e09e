import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACTION } from '../../src/slack/ids.js';
import { ADMIN, startTestApp, type TestApp } from '../support/app.js';

const ALICE = 'UALICE';
const BOB = 'UBOB';
const text = (value: unknown) => JSON.stringify(value);

describe('/accesskey admin', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp();
  });
  afterEach(async () => t.stop());

  const admin = (command: string, userId = ADMIN) => t.slack.sendSlashCommand({ userId, text: `admin ${command}` });

  it('anyone who is not an admin gets a clear refusal, whatever the subcommand', async () => {
    for (const command of ['help', 'grant <@UBOB|bob>', 'roles', 'keys', 'audit', 'role delete Nope', 'nonsense']) {
      expect(text((await admin(command, ALICE)).body)).toContain('Only admins');
    }
    expect((await t.app.services.users.context(BOB)).hasApiAccess).toBe(false);
  });

  it("grant and revoke take escaped mentions; revoking makes the user's keys inactive", async () => {
    expect(text((await admin('grant <@UALICE|alice>')).body)).toContain('now has API access');
    const key = await t.app.services.keys.create(ALICE, { name: 'k', expiry: { kind: 'never' } });
    expect(text((await admin('revoke <@UALICE|alice>')).body)).toContain(
      '1 active key was made inactive. Granting access again does not reactivate it.',
    );
    expect((await t.app.services.keys.show(ALICE, key.key.id)).key.status).toBe('inactive');
    expect(text((await admin('grant nobody')).body)).toContain('Name the user with a mention');
  });

  it('role deletion shows the impact first, then deletes the keys, tells their owners and records it all', async () => {
    expect(text((await admin('role create Data Science 1')).body)).toContain('Role *Data Science* created (up to 1 key per user)');
    for (const user of [ALICE, BOB]) {
      await t.app.services.access.grant(ADMIN, user);
      await admin(`role assign <@${user}> Data Science`);
      await t.app.services.users.switchRole(user, 'Data Science');
    }
    const a = await t.app.services.keys.create(ALICE, { name: 'model', expiry: { kind: 'never' } });
    await t.app.services.keys.create(BOB, { name: 'notebook', expiry: { kind: 'never' } });
    const preview = await admin('role delete data science');
    const body = text(preview.body);
    expect(body).toContain('Delete the role *Data Science*?');
    expect(body).toContain('*model*');
    expect(body).toContain('<@UALICE>');
    expect(body).toContain('last used Never');
    expect((await t.app.services.roles.list(ADMIN)).some((r) => r.name === 'Data Science')).toBe(true);

    await t.slack.clickButton({ userId: ADMIN, actionId: ACTION.confirmRoleDeletion });
    await t.slack.waitFor(() => t.slack.responseUrlPosts.some((p) => text(p.body).includes('Role *Data Science* deleted: 2 keys deleted')));
    if (!a.created) throw new Error('expected a new key');
    expect(await t.app.services.keys.verify(a.secret)).toEqual({ valid: false, code: 'NOT_FOUND' });
    for (const user of [ALICE, BOB]) {
      const dm = await t.slack.waitFor(() => t.slack.dmChannelOf(user));
      await t.slack.waitFor(() => t.slack.messagesIn(dm).some((m) => text(m.blocks).includes('Integrations using it stop working now')));
      expect((await t.app.services.users.context(user)).activeRole?.name).toBe('Account Group Read Only');
    }
    const actions = (await t.app.services.audit.search({ limit: 50 })).map((r) => r.action);
    expect(actions.filter((x) => x === 'key.deleted_by_role_deletion')).toHaveLength(2);
    expect(actions).toContain('role.deleted');
  });

  it('System Admin cannot be deleted and the last admin cannot lose it', async () => {
    expect(text((await admin('role delete System Admin')).body)).toContain('System Admin cannot be deleted');
    expect(text((await admin('role remove <@UADMIN> System Admin')).body)).toContain('last System Admin');
  });

  it("removing a role from a user previews and then deletes that user's keys for it", async () => {
    await t.app.services.access.grant(ADMIN, ALICE);
    await admin('role assign <@UALICE> Account Group Admin');
    await t.app.services.users.switchRole(ALICE, 'Account Group Admin');
    await t.app.services.keys.create(ALICE, { name: 'group', expiry: { kind: 'never' } });
    expect(text((await admin('role remove <@UALICE> Account Group Admin')).body)).toContain('*group*');
    await t.slack.clickButton({ userId: ADMIN, actionId: ACTION.confirmRoleRemoval });
    await t.slack.waitFor(() => t.slack.responseUrlPosts.some((p) => text(p.body).includes('no longer holds')));
    expect((await t.app.services.keys.list(ALICE, { allRoles: true })).keys).toEqual([]);
  });

  it("an admin revoking another user's key is recorded as a revocation", async () => {
    await t.app.services.access.grant(ADMIN, ALICE);
    const key = await t.app.services.keys.create(ALICE, { name: 'leaked', expiry: { kind: 'never' } });
    expect(text((await admin(`revoke ${key.key.id}`)).body)).toContain('is revoked');
    const [latest] = await t.app.services.audit.search({ keyId: key.key.id, limit: 1 });
    expect(latest).toMatchObject({ action: 'key.revoked', actorId: ADMIN, ownerId: ALICE });
  });

  it("keys lists everyone's keys, paged, and filters by user", async () => {
    await t.app.services.access.grant(ADMIN, ALICE);
    await t.app.services.keys.create(ALICE, { name: 'alices', expiry: { kind: 'never' } });
    await t.app.services.keys.create(ADMIN, { name: 'admins', expiry: { kind: 'never' } });
    const all = text((await admin('keys')).body);
    expect(all).toContain('alices');
    expect(all).toContain('admins');
    const mine = text((await admin('keys <@UALICE|alice>')).body);
    expect(mine).toContain('alices');
    expect(mine).not.toContain('admins');
    expect(text((await admin('keys --page 0')).body)).toContain('Pages start at 1');
  });

  it('audit shows the latest records, filtered by user or key and date', async () => {
    await t.app.services.access.grant(ADMIN, ALICE);
    const key = await t.app.services.keys.create(ALICE, { name: 'audited', expiry: { kind: 'never' } });
    const byKey = text((await admin(`audit ${key.key.id}`)).body);
    expect(byKey).toContain('key.created');
    expect(byKey).not.toContain('api_access.granted');
    expect(text((await admin('audit <@UALICE> --since 2000-01-01')).body)).toContain('api_access.granted');
    expect(text((await admin('audit --since 2999-01-01')).body)).toContain('No audit records match');
    expect(text((await admin('audit --since 2026-02-30')).body)).toContain('That is not a real date');
  });

  it("export-audit sends a CSV to the admin's DM with formula cells neutralised", async () => {
    await t.app.services.access.grant(ADMIN, ALICE);
    await t.app.services.keys.create(ALICE, { name: '=HYPERLINK("http://evil")', expiry: { kind: 'never' } });
    await t.app.services.keys.create(ALICE, { name: '@SUM(A1)', expiry: { kind: 'never' } });
    const ack = await admin('export-audit');
    expect(ack.body).toBeUndefined();
    await t.slack.waitFor(() => t.slack.responsesTo(ack.responseUrl).some((p) => text(p.body).includes('sent to your DM')));
    const dm = await t.slack.waitFor(() => t.slack.dmChannelOf(ADMIN));
    const [file] = await t.slack.waitFor(() => (t.slack.filesIn(dm).length > 0 ? t.slack.filesIn(dm) : undefined));
    const csv = file?.content ?? '';
    expect(csv.split('\n')[0]).toBe('seq,at,actor,action,key_id,key_name,owner,role,expires_at,details,hash');
    expect(csv).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(csv).toContain("'@SUM(A1)");
    expect(csv).not.toMatch(/(^|,)"?[=@+-]/m);
  });
});
