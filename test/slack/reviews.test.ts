import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkReviewExport } from '../../src/domain/reviews.js';
import { ACTION, INPUT } from '../../src/slack/ids.js';
import { ADMIN, startTestApp, type TestApp } from '../support/app.js';
import { dialects } from '../support/db.js';

const ALICE = 'UALICE';
const text = (value: unknown) => JSON.stringify(value);

describe.each(dialects)('access reviews through Slack on %s', (dialect) => {
  let t: TestApp;
  let aliceKey: string;
  let adminKey: string;

  beforeEach(async () => {
    t = await startTestApp({ dialect });
    await t.app.services.access.grant(ADMIN, ALICE);
    const alice = await t.app.services.keys.create(ALICE, { name: 'ci', expiry: { kind: 'never' } });
    await t.app.services.users.switchRole(ADMIN, 'System Admin');
    const admin = await t.app.services.keys.create(ADMIN, { name: 'root', expiry: { kind: 'never' } });
    if (!alice.created || !admin.created) throw new Error('expected new keys');
    aliceKey = alice.key.id;
    adminKey = admin.key.id;
  });
  afterEach(async () => t.stop());

  /** Acknowledged at once; the answer follows through the command's response_url. */
  async function startCampaign(options: string): Promise<string> {
    const started = await t.slack.sendSlashCommand({ userId: ADMIN, text: `admin review start ${options}` });
    const answer = await t.slack.waitFor(() => t.slack.responsesTo(started.responseUrl).find((p) => text(p.body).includes('rev_')));
    expect(text(answer.body)).toContain('2 keys, each owner asked by DM');
    return text(answer.body).match(/rev_[0-9A-Za-z]+/)?.[0] ?? '';
  }

  const dmOf = (userId: string, keyId: string) => () => {
    const channel = t.slack.dmChannelOf(userId);
    return channel === undefined ? undefined : t.slack.messagesIn(channel).find((m) => text(m.blocks).includes(keyId));
  };

  it('each owner is asked per key; Make inactive answers in place; a System Admin key is kept only with a reason', async () => {
    const campaignId = await startCampaign('deadline 7d default inactivate');

    const aliceDm = await t.slack.waitFor(dmOf(ALICE, aliceKey));
    for (const part of ['Access review', 'Last used', 'Created', 'Expires', 'Account Group Read Only'])
      expect(text(aliceDm.blocks)).toContain(part);
    await t.slack.clickButton({ userId: ALICE, actionId: ACTION.reviewInactivate, value: `${campaignId}:${aliceKey}`, message: aliceDm });
    await t.slack.waitFor(() => (text(dmOf(ALICE, aliceKey)()?.blocks).includes('Made inactive') ? true : undefined));
    expect((await t.app.store.read.keys.findById(aliceKey))?.status).toBe('inactive');

    const adminDm = await t.slack.waitFor(dmOf(ADMIN, adminKey));
    await t.slack.clickButton({ userId: ADMIN, actionId: ACTION.reviewKeep, value: `${campaignId}:${adminKey}`, message: adminDm });
    const modal = await t.slack.waitFor(() => t.slack.openViewFor(ADMIN));
    await t.slack.sendViewSubmission({ userId: ADMIN, viewId: modal.id, inputs: { [INPUT.reviewReason]: '   ' } });
    expect(Object.values(t.slack.viewErrors(modal.id) ?? {}).join()).toContain('Say why');
    await t.slack.sendViewSubmission({ userId: ADMIN, viewId: modal.id, inputs: { [INPUT.reviewReason]: 'break-glass automation' } });
    await t.slack.waitFor(() => (text(dmOf(ADMIN, adminKey)()?.blocks).includes('break-glass automation') ? true : undefined));

    const status = await t.slack.sendSlashCommand({ userId: ADMIN, text: 'admin review status' });
    expect(text(status.body)).toContain('*2 answered*, 0 open');

    await t.slack.sendSlashCommand({ userId: ADMIN, text: `admin review export ${campaignId}` });
    const adminChannel = t.slack.dmChannelOf(ADMIN) ?? '';
    const [file] = await t.slack.waitFor(() => {
      const files = t.slack.filesIn(adminChannel).filter((f) => f.filename.startsWith('access-review-'));
      return files.length > 0 ? files : undefined;
    });
    const csv = t.slack.fileFor(ADMIN, file?.id ?? '')?.bytes.toString('utf8') ?? '';
    expect(csv.split('\n')[0]).toBe('key_id,key_name,owner,role,reviewer,decision,time,reason,audit_seq,audit_hash');
    expect(csv).toContain(`${adminKey},root,UADMIN,System Admin,UADMIN,keep,`);
    expect(csv).toContain('break-glass automation');
    expect(csv).toContain(`${aliceKey},ci,UALICE,Account Group Read Only,UALICE,inactivate,`);

    // What `npm run audit:verify -- --review-csv` does with the file: every row matches its audit record.
    const rows = (parse(csv, { columns: true }) as Array<Record<string, string>>).map((r) => ({
      keyId: r.key_id ?? '',
      decision: r.decision ?? '',
      reason: r.reason ?? '',
      auditSeq: r.audit_seq ?? '',
      auditHash: r.audit_hash ?? '',
    }));
    expect(await checkReviewExport(t.app.store.read.audit, rows)).toEqual({ ok: true, answered: 2, open: 0 });
    const edited = rows.map((r) => (r.keyId === adminKey ? { ...r, reason: 'no reason at all' } : r));
    expect(await checkReviewExport(t.app.store.read.audit, edited)).toMatchObject({
      ok: false,
      problem: expect.stringContaining('differs'),
    });
  });

  it('a campaign survives a restart: its DM still answers, then loses its buttons, and the deadline applies the default', async () => {
    const campaignId = await startCampaign('deadline 2d default inactivate');
    const aliceDm = await t.slack.waitFor(dmOf(ALICE, aliceKey));
    await t.slack.waitFor(dmOf(ADMIN, adminKey));
    await t.restart();

    const press = { userId: ALICE, actionId: ACTION.reviewKeep, value: `${campaignId}:${aliceKey}`, message: aliceDm };
    await t.slack.clickButton(press);
    await t.slack.waitFor(() => (text(dmOf(ALICE, aliceKey)()?.blocks).includes('Kept') ? true : undefined));
    // The answer replaced the DM: nothing is left to press twice.
    expect(text(dmOf(ALICE, aliceKey)()?.blocks)).not.toContain(ACTION.reviewDelete);
    expect((await t.app.store.read.keys.findById(aliceKey))?.status).toBe('active');

    // Halfway: the admin, whose key is still open, is reminded once; Alice answered and is not.
    t.clock.advance(24 * 60 * 60 * 1000);
    expect(await t.app.services.reviews.runDue()).toMatchObject({ reminded: 1 });
    const adminDm = t.slack.dmChannelOf(ADMIN) ?? '';
    const reminder = await t.slack.waitFor(() =>
      t.slack.messagesIn(adminDm).find((m) => text(m.blocks).includes('Access review reminder')),
    );
    expect(text(reminder.blocks)).toContain(adminKey);
    expect(await t.app.services.reviews.runDue()).toMatchObject({ reminded: 0 });

    // Nobody answered for the admin's key: at the deadline it gets the default.
    t.clock.advance(24 * 60 * 60 * 1000);
    expect(await t.app.services.reviews.runDue()).toMatchObject({ closed: 1, defaulted: 1 });
    expect((await t.app.store.read.keys.findById(adminKey))?.status).toBe('inactive');
    expect((await t.app.store.read.keys.findById(aliceKey))?.status).toBe('active');
  });
});
