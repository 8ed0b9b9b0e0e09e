import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACTION, BLOCK, INPUT } from '../../src/slack/ids.js';
import { ADMIN, startTestApp, type TestApp } from '../support/app.js';

const ALICE = 'UALICE';
const text = (value: unknown) => JSON.stringify(value);

describe('/accesskey subcommands', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp();
    await t.app.services.access.grant(ADMIN, ALICE);
  });
  afterEach(async () => t.stop());

  const run = (command: string, userId = ALICE) => t.slack.sendSlashCommand({ userId, text: command });
  const make = (name: string, userId = ALICE) => t.app.services.keys.create(userId, { name, expiry: { kind: 'never' } });

  it('no text, help, or an unknown subcommand print usage', async () => {
    for (const input of ['', 'help']) expect(text((await run(input)).body)).toContain('/accesskey create [name]');
    const unknown = await run('frobnicate now');
    expect(text(unknown.body)).toContain("I don't know `frobnicate`");
    expect(text(unknown.body)).toContain('/accesskey list');
  });

  it("list shows the active role's keys with status, expiry, last used and buttons", async () => {
    const key = await make('ci');
    const body = text((await run('list')).body);
    expect(body).toContain('Your access keys for Account Group Read Only');
    expect(body).toContain('1 of 2 keys used');
    expect(body).toContain(key.key.id);
    for (const id of [ACTION.extendKey, ACTION.deactivateKey, ACTION.deleteKey]) expect(body).toContain(id);
    expect(body).toContain('"confirm"');
  });

  it('list --all-roles shows keys of every role with their role', async () => {
    await make('read-only');
    await t.app.services.roles.assign(ADMIN, { userId: ALICE, roleName: 'Account Group Admin' });
    await t.app.services.users.switchRole(ALICE, 'Account Group Admin');
    await make('group-admin');
    expect(text((await run('list')).body)).not.toContain('read-only');
    const all = text((await run('list --all-roles')).body);
    expect(all).toContain('read-only');
    expect(all).toContain('group-admin');
    expect(all).toContain('*Role*');
  });

  it("show finds a key by name or ID; an unknown key or someone else's key is not found", async () => {
    const key = await make('shown');
    expect(text((await run('show shown')).body)).toContain(key.key.id);
    expect(text((await run(`show ${key.key.id}`)).body)).toContain('shown');
    await t.app.services.access.grant(ADMIN, 'UBOB');
    for (const [user, ref] of [
      ['UBOB', key.key.id],
      [ALICE, 'missing'],
    ] as const) {
      expect(text((await run(`show ${ref}`, user)).body)).toContain('No key of yours is called or has the ID');
    }
    expect(text((await run('show')).body)).toContain('Which key?');
  });

  it('deactivate and activate change the key at once and say so', async () => {
    const key = await make('toggle');
    expect(text((await run('deactivate toggle')).body)).toContain('is now inactive');
    expect((await t.app.services.keys.show(ALICE, key.key.id)).key.status).toBe('inactive');
    expect(text((await run('deactivate toggle')).body)).toContain('was already inactive');
    expect(text((await run('activate toggle')).body)).toContain('is active again');
  });

  it('delete asks first, and the confirmed Delete button deletes the key', async () => {
    const key = await make('doomed');
    const ack = await run('delete doomed');
    expect(text(ack.body)).toContain('Delete *doomed*');
    expect((await t.app.services.keys.list(ALICE)).keys).toHaveLength(1);
    await t.slack.clickButton({ userId: ALICE, actionId: ACTION.deleteKey, value: key.key.id });
    await t.slack.waitFor(() => t.slack.responseUrlPosts.some((p) => text(p.body).includes('is deleted')));
    expect((await t.app.services.keys.list(ALICE)).keys).toEqual([]);
  });

  it('Cancel on the delete confirmation removes the message and keeps the key', async () => {
    await make('kept');
    await run('delete kept');
    await t.slack.clickButton({ userId: ALICE, actionId: ACTION.cancel });
    await t.slack.waitFor(() => t.slack.responseUrlPosts.some((p) => text(p.body).includes('delete_original')));
    expect((await t.app.services.keys.list(ALICE)).keys).toHaveLength(1);
  });

  it('clicking Make inactive in the list replaces the list with the fresh state', async () => {
    const key = await make('listed');
    await run('list');
    await t.slack.clickButton({ userId: ALICE, actionId: ACTION.deactivateKey, value: key.key.id });
    const post = await t.slack.waitFor(() => t.slack.responseUrlPosts.find((p) => text(p.body).includes('is now inactive')));
    expect(post.body).toMatchObject({ replace_original: true });
    expect(text(post.body)).toContain('Your access keys for Account Group Read Only');
    expect(text(post.body)).toContain(ACTION.activateKey);
  });

  it('extend opens the extend modal; a past date is refused inline and a valid choice is saved', async () => {
    const key = await make('renew');
    await run('extend renew');
    const view = await t.slack.waitFor(() => t.slack.openViewFor(ALICE));
    const past = await t.slack.sendViewSubmission({
      userId: ALICE,
      viewId: view.id,
      inputs: { [INPUT.extendChoice]: 'at', [INPUT.expiryAt]: Math.floor(Date.now() / 1000) - 60 },
    });
    expect(past.body).toMatchObject({ response_action: 'errors', errors: { [BLOCK.expiryAt]: 'The expiry must be in the future.' } });
    const at = Math.floor(Date.now() / 1000) + 7 * 86_400;
    await t.slack.sendViewSubmission({ userId: ALICE, viewId: view.id, inputs: { [INPUT.extendChoice]: 'at', [INPUT.expiryAt]: at } });
    await t.slack.waitFor(() => t.slack.responseUrlPosts.some((p) => text(p.body).includes('now expires')));
    expect((await t.app.services.keys.show(ALICE, key.key.id)).key.expiresAt).toBe(new Date(at * 1000).toISOString());
  });

  it("role lists the user's roles and switches the active one; an unheld role is refused", async () => {
    await t.app.services.roles.assign(ADMIN, { userId: ALICE, roleName: 'Cloud Provisioning Admin' });
    expect(text((await run('role')).body)).toContain('Account Group Read Only* (active)');
    expect(text((await run('role cloud provisioning admin')).body)).toContain('Your active role is now *Cloud Provisioning Admin*');
    expect((await t.app.services.users.context(ALICE)).activeRole?.name).toBe('Cloud Provisioning Admin');
    expect(text((await run('role System Admin')).body)).toContain("You don't hold a role called");
  });

  it('a key named <!channel> pings no one: user text is escaped everywhere it is shown', async () => {
    const key = await make('<!channel> & <@U0BOSS>');
    const shown = [
      (await run('list')).body,
      (await run(`show ${key.key.id}`)).body,
      (await run(`delete ${key.key.id}`)).body,
      (await run(`deactivate ${key.key.id}`)).body,
    ];
    for (const body of shown.map(text)) {
      expect(body).toContain('&lt;!channel&gt; &amp; &lt;@U0BOSS&gt;');
      expect(body).not.toContain('<!channel>');
      expect(body).not.toContain('<@U0BOSS>');
    }
    // Slack sends the characters as entities in command text; the key is still found by its name.
    expect(text((await run('show &lt;!channel&gt; &amp; &lt;@U0BOSS&gt;')).body)).toContain(key.key.id);
  });

  it('dates are shown with Slack date formatting so each reader sees local time', async () => {
    await t.app.services.keys.create(ALICE, { name: 'dated', expiry: { kind: 'default' } });
    expect(text((await run('list')).body)).toMatch(/<!date\^\d{10}\^\{date_short_pretty\} \{time\}\|/);
  });

  it("every command is acknowledged, and nothing the app sends breaks one of Slack's rules", async () => {
    for (const input of ['', 'list', 'create x', 'role', 'show nothing']) expect((await run(input)).status).toBe(200);
    expect(t.slack.lateAcks).toEqual([]);
    expect(t.slack.problems).toEqual([]);
  });
});
