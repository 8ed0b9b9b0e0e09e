import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BLOCK, INPUT } from '../../src/slack/ids.js';
import { ADMIN, startTestApp, type TestApp } from '../support/app.js';
import { dialects } from '../support/db.js';

/** Least-privilege keys from Slack (docs/least-privilege.md): role permissions, the create modal, `/accesskey networks`. */

const ALICE = 'UALICE';
const ROLE = 'Account Group Read Only';

describe.each(dialects)('least-privilege keys in Slack on %s', (dialect) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp({ dialect });
    await t.app.services.access.grant(ADMIN, ALICE);
  });
  afterEach(async () => t.stop());

  const command = async (userId: string, text: string) => JSON.stringify((await t.slack.sendSlashCommand({ userId, text })).body);
  const audit = async (action: string) => (await t.app.services.audit.search({ limit: 100 })).filter((r) => r.action === action);

  it('admins add and remove role permissions, audited; others are refused; the role shows them', async () => {
    expect(await command(ADMIN, `admin role permissions ${ROLE} add alerts.read, policies.write`)).toContain(
      '`alerts.read` `policies.write`',
    );
    expect(await command(ADMIN, `admin role permissions ${ROLE} add Bad!`)).toContain('is not a permission');
    expect(await command(ALICE, `admin role permissions ${ROLE} add secrets.read`)).toContain('Only admins');
    expect(await command(ADMIN, `admin role permissions ${ROLE} remove policies.write`)).toContain('Removed `policies.write`');
    expect(await command(ADMIN, `admin role permissions ${ROLE}`)).toContain('permissions: `alerts.read`');
    expect(await command(ADMIN, 'admin roles')).toContain(`*${ROLE}* — up to 2 keys per user · 2 members · built-in · 1 permission`);
    const records = await audit('role.permissions_changed');
    expect(records.map((r) => r.details)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ added: 'alerts.read policies.write' }),
        expect.objectContaining({ removed: 'policies.write', permissions: 'alerts.read' }),
      ]),
    );
    expect(records.every((r) => r.actorId === ADMIN && r.roleName === ROLE)).toBe(true);
  });

  it("the create modal offers the role's permissions all ticked, and a network list with inline errors; the key keeps the subset", async () => {
    await t.app.services.roles.changePermissions(ADMIN, {
      name: ROLE,
      change: { op: 'add', permissions: ['alerts.read', 'policies.read', 'policies.write'] },
    });
    await t.slack.sendSlashCommand({ userId: ALICE, text: 'create scoped' });
    const view = await t.slack.waitFor(() => t.slack.openViewFor(ALICE), { message: 'create modal' });
    const blocks = JSON.stringify(view.blocks);
    expect(blocks).toContain(`"block_id":"${BLOCK.permissions}_0"`);
    for (const p of ['alerts.read', 'policies.read', 'policies.write']) expect(blocks).toContain(`"value":"${p}"`);
    expect(blocks).toContain('Allowed networks');

    const bad = await t.slack.sendViewSubmission({
      userId: ALICE,
      viewId: view.id,
      inputs: { [INPUT.name]: 'scoped', [INPUT.networks]: '10.0.0.0/33\n192.168.1.1/24' },
    });
    expect(bad.body).toMatchObject({
      response_action: 'errors',
      errors: {
        [BLOCK.networks]:
          '`10.0.0.0/33`: the prefix must be 32 or less; `192.168.1.1/24`: host bits are set (did you mean `192.168.1.0/24`?)',
      },
    });
    expect((await t.app.services.keys.list(ALICE)).keys).toHaveLength(0);

    const ok = await t.slack.sendViewSubmission({
      userId: ALICE,
      viewId: view.id,
      inputs: {
        [INPUT.name]: 'scoped',
        [`${INPUT.permissions}_0`]: ['alerts.read', 'policies.read'],
        [INPUT.networks]: '10.0.0.0/8, 2001:db8::/32',
      },
    });
    expect(ok.body).toBeUndefined();
    const [row] = (await t.app.services.keys.list(ALICE)).keys;
    expect(row?.key).toMatchObject({
      name: 'scoped',
      permissions: ['alerts.read', 'policies.read'],
      networks: ['10.0.0.0/8', '2001:db8::/32'],
    });
    const [created] = await audit('key.created');
    expect(created?.details).toMatchObject({ permissions: 'alerts.read policies.read', networks: '10.0.0.0/8 2001:db8::/32' });
    // Details show both.
    const shown = await command(ALICE, 'show scoped');
    expect(shown).toContain('*Permissions*\\n`alerts.read` `policies.read`');
    expect(shown).toContain('*Networks*\\n`10.0.0.0/8` `2001:db8::/32`');
    // The list (and App Home, which shares its fields) too.
    expect(await command(ALICE, 'list')).toContain('*Permissions*\\n`alerts.read` `policies.read`');
    // A permission taken from the role while the form was open is refused beside the checkboxes.
    await t.app.services.roles.changePermissions(ADMIN, { name: ROLE, change: { op: 'remove', permissions: ['policies.write'] } });
    await t.slack.sendSlashCommand({ userId: ALICE, text: 'create second' });
    const second = await t.slack.waitFor(() => t.slack.openViewFor(ALICE), { message: 'second create modal' });
    await t.app.services.roles.changePermissions(ADMIN, { name: ROLE, change: { op: 'remove', permissions: ['policies.read'] } });
    const stale = await t.slack.sendViewSubmission({ userId: ALICE, viewId: second.id, inputs: { [INPUT.name]: 'second' } });
    expect(stale.body).toMatchObject({
      response_action: 'errors',
      errors: { [`${BLOCK.permissions}_0`]: `\`policies.read\` is not a permission of ${ROLE} (any more); pick from its current ones.` },
    });
  });

  it('`/accesskey networks <key>` opens a modal; bad ranges are answered inline; a change is audited and shown', async () => {
    const created = await t.app.services.keys.create(ALICE, { name: 'ci', expiry: { kind: 'never' } });
    if (!created.created) throw new Error('no key');
    await t.slack.sendSlashCommand({ userId: ALICE, text: 'networks ci' });
    const view = await t.slack.waitFor(() => t.slack.openViewFor(ALICE), { message: 'networks modal' });
    expect(JSON.stringify(view.blocks)).toContain('Report only');
    const bad = await t.slack.sendViewSubmission({ userId: ALICE, viewId: view.id, inputs: { [INPUT.networks]: '300.1.1.1/8' } });
    expect(bad.body).toMatchObject({
      response_action: 'errors',
      errors: { [BLOCK.networks]: '`300.1.1.1/8`: not an IPv4 or IPv6 address' },
    });
    const tooMany = Array.from({ length: 21 }, (_, i) => `10.${i}.0.0/16`).join('\n');
    const many = await t.slack.sendViewSubmission({ userId: ALICE, viewId: view.id, inputs: { [INPUT.networks]: tooMany } });
    expect(many.body).toMatchObject({ response_action: 'errors', errors: { [BLOCK.networks]: 'at most 20 ranges (21 given)' } });
    const ok = await t.slack.sendViewSubmission({
      userId: ALICE,
      viewId: view.id,
      inputs: { [INPUT.networks]: '203.0.113.0/24', [INPUT.networkReportOnly]: ['on'] },
    });
    expect(ok.body).toBeUndefined();
    const key = (await t.app.services.keys.show(ALICE, 'ci')).key;
    expect(key).toMatchObject({ networks: ['203.0.113.0/24'], networkReportOnly: true });
    const [record] = await audit('key.networks_changed');
    expect(record).toMatchObject({
      actorId: ALICE,
      keyId: key.id,
      details: { networks: '203.0.113.0/24', previousNetworks: 'any', reportOnly: true },
    });
    expect(await command(ALICE, 'show ci')).toContain('`203.0.113.0/24` (report only)');
  });

  it('a report-only key used from outside: its owner gets one DM per network and hour, naming the network and how to refuse', async () => {
    const created = await t.app.services.keys.create(ALICE, {
      name: 'watched',
      expiry: { kind: 'never' },
      networks: ['10.0.0.0/8'],
      networkReportOnly: true,
    });
    if (!created.created) throw new Error('no key');
    const hour = Math.floor(Date.now() / 3_600_000);
    const report = { keyId: created.key.id, network: '198.51.100.0/24', address: '198.51.100.7', hour };
    expect(await t.app.services.keys.reportOutsideNetwork(report)).toBe(true);
    // Another replica (or this one again) reporting the same key, network and hour queues nothing.
    expect(await t.app.services.keys.reportOutsideNetwork({ ...report, address: '198.51.100.8' })).toBe(false);
    const dm = await t.slack.waitFor(() => t.slack.dmChannelOf(ALICE), { message: 'a DM to the owner' });
    const notice = await t.slack.waitFor(
      () => t.slack.messagesIn(dm).find((m) => (m.text ?? '').includes('outside its allowed networks')),
      { message: 'the report-only DM' },
    );
    expect(notice.text).toContain('`198.51.100.0/24`');
    expect(notice.text).toContain(`/accesskey networks ${created.key.id}`);
    expect(t.slack.messagesIn(dm).filter((m) => (m.text ?? '').includes('outside its allowed networks'))).toHaveLength(1);
    expect(await audit('key.network_outside_reported')).toEqual([
      expect.objectContaining({ keyId: created.key.id, ownerId: ALICE, details: expect.objectContaining({ network: '198.51.100.0/24' }) }),
    ]);
  });
});
