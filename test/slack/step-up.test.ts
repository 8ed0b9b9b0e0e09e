import { randomBytes } from 'node:crypto';
import { TOTP, URI } from 'otpauth';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACTION, INPUT } from '../../src/slack/ids.js';
import { ADMIN, APPROVALS_CHANNEL, startTestApp, type TestApp } from '../support/app.js';
import { dialects } from '../support/db.js';
import { TestClock } from '../support/domain.js';

const BOB = 'UBOB';
const CAROL = 'UCAROL';
const text = (value: unknown) => JSON.stringify(value);
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

describe.each(dialects)('step-up codes in Slack (SPEC §17), fixed clock, on %s', (dialect) => {
  let t: TestApp;
  let clock: TestClock;
  beforeEach(async () => {
    clock = new TestClock('2026-12-07T10:00:05.000Z');
    t = await startTestApp({
      dialect,
      clock,
      env: { ADMIN_STEP_UP: 'on', MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64'), BOOTSTRAP_ADMINS: `${ADMIN},${CAROL}` },
    });
  });
  afterEach(async () => t.stop());

  const dm = (user: string) => t.slack.dmChannelOf(user) ?? 'none';
  const codeAt = (uri: string, steps = 0) => {
    const totp = URI.parse(uri);
    if (!(totp instanceof TOTP)) throw new Error('not TOTP');
    return totp.generate({ timestamp: clock.now().getTime() + steps * 30_000 });
  };

  /** `/accesskey admin mfa enroll`, the QR PNG and URI in the DM, then the first code in the modal. */
  async function enrol(user: string): Promise<string> {
    await t.slack.sendSlashCommand({ userId: user, text: 'admin mfa enroll' });
    const modal = await t.slack.waitFor(() => t.slack.openViewFor(user));
    const message = await t.slack.waitFor(() => t.slack.messagesIn(dm(user)).find((m) => text(m.blocks).includes('otpauth://')));
    const uri = /otpauth:\/\/[^`\s"]+/.exec(text(message.blocks))?.[0]?.replace(/&amp;/g, '&') ?? '';
    const file = await t.slack.waitFor(() => t.slack.filesIn(dm(user)).find((f) => f.filename.endsWith('.png')));
    expect(file.bytes.subarray(0, 4).equals(PNG_MAGIC)).toBe(true);
    const wrong = await t.slack.sendViewSubmission({ userId: user, viewId: modal.id, inputs: { [INPUT.mfaCode]: '000000' } });
    expect(text(wrong.body)).toContain('not right');
    await t.slack.sendViewSubmission({ userId: user, viewId: modal.id, inputs: { [INPUT.mfaCode]: codeAt(uri) } });
    await t.slack.waitFor(() => t.slack.messagesIn(dm(user)).some((m) => (m.text ?? '').includes('Step-up codes are set up')));
    clock.advance(30_000);
    return uri;
  }

  async function requestCard() {
    await t.slack.sendSlashCommand({ userId: BOB, text: 'request-access ci' });
    return t.slack.waitFor(() => t.slack.messagesIn(APPROVALS_CHANNEL).find((m) => text(m.blocks).includes(ACTION.approveRequest)));
  }

  it('enrol, then Approve opens a code modal: wrong and reused codes change nothing and say so inline; a right code approves', async () => {
    const uri = await enrol(ADMIN);
    expect(text((await t.slack.sendSlashCommand({ userId: ADMIN, text: 'admin mfa status' })).body)).toContain('is enrolled');
    const card = await requestCard();
    await t.slack.clickButton({ userId: ADMIN, actionId: ACTION.approveRequest, message: card });
    const modal = await t.slack.waitFor(() => t.slack.openViewFor(ADMIN));
    expect(text(modal.blocks)).toContain('approving');

    const wrong = await t.slack.sendViewSubmission({ userId: ADMIN, viewId: modal.id, inputs: { [INPUT.mfaCode]: '000000' } });
    expect(text(wrong.body)).toContain('Nothing changed');
    const old = await t.slack.sendViewSubmission({ userId: ADMIN, viewId: modal.id, inputs: { [INPUT.mfaCode]: codeAt(uri, -1) } });
    expect(text(old.body)).toContain('used already');
    expect((await t.app.services.users.context(BOB)).hasApiAccess).toBe(false);

    await t.slack.sendViewSubmission({ userId: ADMIN, viewId: modal.id, inputs: { [INPUT.mfaCode]: codeAt(uri) } });
    await t.slack.waitFor(() => text(t.slack.messagesIn(APPROVALS_CHANNEL)[0]?.blocks).includes('*Approved* by <@UADMIN>'));
    expect((await t.app.services.users.context(BOB)).hasApiAccess).toBe(true);
    const decided = (await t.app.services.audit.search({ userId: BOB, limit: 20 })).filter((r) => r.action === 'api_access.approved');
    expect(decided).toHaveLength(1);
  });

  it('a replayed code submission decides once', async () => {
    const uri = await enrol(ADMIN);
    const card = await requestCard();
    await t.slack.clickButton({ userId: ADMIN, actionId: ACTION.approveRequest, message: card });
    const modal = await t.slack.waitFor(() => t.slack.openViewFor(ADMIN));
    const code = codeAt(uri);
    await Promise.all([
      t.slack.sendViewSubmission({ userId: ADMIN, viewId: modal.id, inputs: { [INPUT.mfaCode]: code } }),
      t.slack.sendViewSubmission({ userId: ADMIN, viewId: modal.id, inputs: { [INPUT.mfaCode]: code } }),
    ]);
    await t.slack.waitFor(() => text(t.slack.messagesIn(APPROVALS_CHANNEL)[0]?.blocks).includes('*Approved*'));
    const decided = (await t.app.services.audit.search({ userId: BOB, limit: 20 })).filter((r) => r.action === 'api_access.approved');
    expect(decided).toHaveLength(1);
  });

  it('outside the sandbox there is no sandbox page, so no stand-in authenticator', async () => {
    await enrol(ADMIN);
    const response = await fetch(`http://127.0.0.1:${t.app.port}/sandbox/state?as=${ADMIN}`);
    expect(response.status).toBe(404);
    expect(await response.text()).not.toMatch(/authenticator/i);
  });

  it('an admin without an enrolment is told to enrol, and nothing changes', async () => {
    const card = await requestCard();
    const click = await t.slack.clickButton({ userId: CAROL, actionId: ACTION.approveRequest, message: card });
    await t.slack.waitFor(() => t.slack.responsesTo(click.responseUrl ?? '').some((p) => text(p.body).includes('mfa enroll')));
    expect(t.slack.openViewFor(CAROL)).toBeUndefined();
    expect((await t.app.services.users.context(BOB)).hasApiAccess).toBe(false);
  });

  it('admin grant asks for a code first; with it, the grant is made and answered', async () => {
    const uri = await enrol(ADMIN);
    const command = await t.slack.sendSlashCommand({ userId: ADMIN, text: `admin grant <@${BOB}>` });
    const modal = await t.slack.waitFor(() => t.slack.openViewFor(ADMIN));
    expect((await t.app.services.users.context(BOB)).hasApiAccess).toBe(false);
    await t.slack.sendViewSubmission({ userId: ADMIN, viewId: modal.id, inputs: { [INPUT.mfaCode]: codeAt(uri) } });
    await t.slack.waitFor(() => t.slack.responsesTo(command.responseUrl).some((p) => text(p.body).includes('now has API access')));
  });

  it('five wrong codes lock step-up for 15 minutes, audited', async () => {
    const uri = await enrol(ADMIN);
    const card = await requestCard();
    await t.slack.clickButton({ userId: ADMIN, actionId: ACTION.approveRequest, message: card });
    const modal = await t.slack.waitFor(() => t.slack.openViewFor(ADMIN));
    let last: unknown;
    for (let i = 0; i < 5; i++)
      last = (await t.slack.sendViewSubmission({ userId: ADMIN, viewId: modal.id, inputs: { [INPUT.mfaCode]: '000000' } })).body;
    expect(text(last)).toContain('locked until');
    const locked = await t.slack.sendViewSubmission({ userId: ADMIN, viewId: modal.id, inputs: { [INPUT.mfaCode]: codeAt(uri) } });
    expect(text(locked.body)).toContain('locked until');
    expect((await t.app.services.users.context(BOB)).hasApiAccess).toBe(false);
    const audit = await t.app.services.audit.search({ userId: ADMIN, limit: 20 });
    expect(audit.filter((r) => r.action === 'mfa.locked')).toHaveLength(1);
    expect(text(audit)).not.toContain(new URL(uri).searchParams.get('secret') ?? 'none');
  });

  it('role deletion, revoking a key and reactivating a compromised key each wait for a code', async () => {
    const uri = await enrol(ADMIN);
    await t.app.services.access.grant(ADMIN, BOB);
    const key = await t.app.services.keys.create(BOB, { name: 'svc', expiry: { kind: 'never' } });
    await t.app.services.roles.create(ADMIN, { name: 'Temp' });

    await t.slack.sendSlashCommand({ userId: ADMIN, text: 'admin role delete Temp' });
    await t.slack.clickButton({ userId: ADMIN, actionId: ACTION.confirmRoleDeletion });
    const deletion = await t.slack.waitFor(() => t.slack.openViewFor(ADMIN));
    expect(text(deletion.blocks)).toContain('deleting the role *Temp*');
    expect((await t.app.services.roles.list(ADMIN)).some((r) => r.name === 'Temp')).toBe(true);
    await t.slack.sendViewSubmission({ userId: ADMIN, viewId: deletion.id, inputs: { [INPUT.mfaCode]: codeAt(uri) } });
    await t.slack.waitFor(() => t.slack.responseUrlPosts.some((p) => text(p.body).includes('Role *Temp* deleted')));
    clock.advance(30_000);

    const revoke = await t.slack.sendSlashCommand({ userId: ADMIN, text: `admin revoke ${key.key.id}` });
    const revoking = await t.slack.waitFor(() => t.slack.openViewFor(ADMIN));
    expect((await t.app.services.keys.show(BOB, key.key.id)).key.status).toBe('active');
    await t.slack.sendViewSubmission({ userId: ADMIN, viewId: revoking.id, inputs: { [INPUT.mfaCode]: codeAt(uri) } });
    await t.slack.waitFor(() => t.slack.responsesTo(revoke.responseUrl).some((p) => text(p.body).includes('is revoked')));
    clock.advance(30_000);

    await t.app.services.keys.activate(ADMIN, key.key.id);
    await t.app.services.keys.reportCompromised(BOB, key.key.id);
    const activate = await t.slack.sendSlashCommand({ userId: ADMIN, text: `activate ${key.key.id}` });
    const reactivating = await t.slack.waitFor(() => t.slack.openViewFor(ADMIN));
    expect(text(reactivating.blocks)).toContain('compromised key');
    expect((await t.app.services.keys.show(BOB, key.key.id)).key.status).toBe('compromised');
    await t.slack.sendViewSubmission({ userId: ADMIN, viewId: reactivating.id, inputs: { [INPUT.mfaCode]: codeAt(uri) } });
    await t.slack.waitFor(() => t.slack.responsesTo(activate.responseUrl).some((p) => text(p.body).includes('active')));
    expect((await t.app.services.keys.show(BOB, key.key.id)).key.status).toBe('active');
    const secret = new URL(uri).searchParams.get('secret') ?? 'none';
    expect(t.logs.join('\n')).not.toContain(secret);
  });
});
