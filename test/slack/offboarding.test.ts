import { randomBytes } from 'node:crypto';
import { TOTP, URI } from 'otpauth';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACTION, INPUT } from '../../src/slack/ids.js';
import { offboardingBlockId } from '../../src/slack/views/offboarding.js';
import { ADMIN, AUDIT_CHANNEL, startTestApp, type TestApp } from '../support/app.js';
import { dialects } from '../support/db.js';
import { TestClock } from '../support/domain.js';
import { until } from '../support/wait.js';

const ALICE = 'UALICE';
const BOB = 'UBOB';
const CAROL = 'UCAROL';

const text = (value: unknown) => JSON.stringify(value);

describe.each(dialects)('when someone leaves, through Slack, on %s', (dialect) => {
  let t: TestApp;
  let ci: { id: string; secret: string };
  let reports: { id: string; secret: string };

  beforeEach(async () => {
    t = await startTestApp({ dialect });
    await t.app.services.access.grant(ADMIN, ALICE);
    await t.app.services.access.grant(ADMIN, BOB);
    for (const name of ['ci', 'reports']) {
      const created = await t.app.services.keys.create(ALICE, { name, expiry: { kind: 'never' } });
      if (!created.created) throw new Error('expected a new key');
      if (name === 'ci') ci = { id: created.key.id, secret: created.secret };
      else reports = { id: created.key.id, secret: created.secret };
    }
  });
  afterEach(async () => t.stop());

  const cards = () => t.slack.messagesIn(AUDIT_CHANNEL).filter((m) => text(m.blocks).includes('Someone left'));
  const deactivate = (userId: string) =>
    t.slack.sendEvent({ type: 'user_change', user: { id: userId, name: userId.toLowerCase(), deleted: true } });

  it('a deactivated account: keys refused at once, one card in the security channel, Slack retries change nothing', async () => {
    await t.app.store.writeUsage((tx) => tx.keys.touchLastUsed(ci.id, '2026-01-15T11:00:00.000Z', '203.0.113.7'));
    await deactivate(ALICE);
    // Slack's events are acknowledged before the listener runs: the card is the sign it has.
    const card = await t.slack.waitFor(() => cards()[0]);
    expect(await t.app.services.keys.verify(ci.secret)).toEqual({ valid: false, code: 'INACTIVE' });
    expect(await t.app.services.keys.verify(reports.secret)).toEqual({ valid: false, code: 'INACTIVE' });
    for (const part of [
      '<@UALICE>',
      'ci',
      'reports',
      'Account Group Read Only',
      'last used Never',
      'from `203.0.113.7`',
      ACTION.offboardingTransfer,
    ])
      expect(text(card.blocks)).toContain(part);

    // Slack's retry of the same event, and a profile change later, act on nothing.
    await deactivate(ALICE);
    await t.slack.sendEvent({ type: 'user_change', user: { id: BOB, name: 'bob', deleted: false } });
    await t.app.services.users.context(CAROL);
    await deactivate(CAROL);
    // Carol had nothing; once her event is handled, Alice's retry (sent before it) has been too.
    await until(async () => t.app.store.read.offboardings.isDeactivated(CAROL), 'the last event to be handled');
    const records = await t.app.services.audit.search({ limit: 100 });
    expect(records.filter((r) => r.action === 'key.inactivated_offboarding')).toHaveLength(2);
    expect(cards()).toHaveLength(1);
    expect(t.slack.problems).toEqual([]);
  });

  it('Transfer to… refuses someone without API access under the card, then moves the key and updates the card in place', async () => {
    await deactivate(ALICE);
    const card = await t.slack.waitFor(() => cards()[0]);
    await t.slack.clickButton({
      userId: ADMIN,
      actionId: ACTION.offboardingTransfer,
      blockId: offboardingBlockId(text(card.blocks).match(/offboarding:(off_[0-9A-Za-z]+):/)?.[1] ?? '', ci.id),
      input: CAROL,
      message: card,
    });
    const refusal = await t.slack.waitFor(() => t.slack.responseUrlPosts.find((p) => text(p.body).includes('has no API access')));
    expect(text(refusal.body)).not.toContain(ACTION.requestAccess);

    const offboardingId = text(card.blocks).match(/offboarding:(off_[0-9A-Za-z]+):/)?.[1] ?? '';
    await t.slack.clickButton({
      userId: ADMIN,
      actionId: ACTION.offboardingTransfer,
      blockId: offboardingBlockId(offboardingId, ci.id),
      input: BOB,
      message: card,
    });
    await t.slack.waitFor(() => (text(cards()[0]?.blocks).includes('Transferred to <@UBOB>') ? true : undefined));
    const updated = cards()[0];
    expect(cards()).toHaveLength(1);
    // The other key still has its controls.
    expect(text(updated?.blocks)).toContain(offboardingBlockId(offboardingId, reports.id));
    expect(text(updated?.blocks)).not.toContain(offboardingBlockId(offboardingId, ci.id));
    const bobDm = t.slack.dmChannelOf(BOB);
    await t.slack.waitFor(() => (bobDm === undefined ? undefined : t.slack.messagesIn(bobDm).find((m) => m.text.includes('to you'))));
    expect((await t.app.services.keys.list(BOB)).keys.map((k) => k.key.id)).toEqual([ci.id]);

    // A non-admin pressing Delete is refused; the key stays.
    await t.slack.clickButton({
      userId: BOB,
      actionId: ACTION.offboardingDelete,
      blockId: offboardingBlockId(offboardingId, reports.id),
      value: reports.id,
      message: updated,
    });
    await t.slack.waitFor(() => t.slack.responseUrlPosts.find((p) => text(p.body).includes('Only admins')));
    expect(await t.app.store.read.keys.findById(reports.id)).toBeDefined();
  });

  it('/accesskey admin transfer moves a key; the limit per role applies to the new owner', async () => {
    const answer = await t.slack.sendSlashCommand({ userId: ADMIN, text: `admin transfer ${ci.id} <@${BOB}|bob>` });
    expect(text(answer.body)).toContain('now belongs to <@UBOB>');
    await t.slack.waitFor(() => {
      const alice = t.slack.dmChannelOf(ALICE);
      return alice === undefined ? undefined : t.slack.messagesIn(alice).find((m) => m.text.includes('It is no longer yours'));
    });
    await t.app.services.keys.create(BOB, { name: 'bob-2', expiry: { kind: 'never' } });
    const full = await t.slack.sendSlashCommand({ userId: ADMIN, text: `admin transfer ${reports.id} <@${BOB}|bob>` });
    expect(text(full.body)).toContain('Account Group Read Only: 2 of 2 keys used');
    expect((await t.app.store.read.keys.findById(reports.id))?.ownerId).toBe(ALICE);
  });
});

describe.each(dialects)('the offboarding card with step-up codes on, on %s', (dialect) => {
  let t: TestApp;
  let clock: TestClock;
  beforeEach(async () => {
    clock = new TestClock('2026-12-07T10:00:05.000Z');
    t = await startTestApp({ dialect, clock, env: { ADMIN_STEP_UP: 'on', MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64') } });
  });
  afterEach(async () => t.stop());

  const codeAt = (uri: string) => {
    const totp = URI.parse(uri);
    if (!(totp instanceof TOTP)) throw new Error('not TOTP');
    return totp.generate({ timestamp: clock.now().getTime() });
  };

  it('Delete asks the admin for a code first; only a right code deletes, and the card shows it', async () => {
    await t.slack.sendSlashCommand({ userId: ADMIN, text: 'admin mfa enroll' });
    const enrolModal = await t.slack.waitFor(() => t.slack.openViewFor(ADMIN));
    const adminDm = () => t.slack.dmChannelOf(ADMIN) ?? 'none';
    const enrolment = await t.slack.waitFor(() => t.slack.messagesIn(adminDm()).find((m) => text(m.blocks).includes('otpauth://')));
    const uri = /otpauth:\/\/[^`\s"]+/.exec(text(enrolment.blocks))?.[0]?.replace(/&amp;/g, '&') ?? '';
    await t.slack.sendViewSubmission({ userId: ADMIN, viewId: enrolModal.id, inputs: { [INPUT.mfaCode]: codeAt(uri) } });
    await t.slack.waitFor(() => t.slack.messagesIn(adminDm()).some((m) => (m.text ?? '').includes('Step-up codes are set up')));
    clock.advance(30_000);

    // The grant itself is stepped too: given through the services here.
    await t.app.services.access.grant(ADMIN, ALICE);
    const created = await t.app.services.keys.create(ALICE, { name: 'ci', expiry: { kind: 'never' } });
    if (!created.created) throw new Error('expected a new key');
    await t.slack.sendEvent({ type: 'user_change', user: { id: ALICE, name: 'alice', deleted: true } });
    const card = await t.slack.waitFor(() => t.slack.messagesIn(AUDIT_CHANNEL).find((m) => text(m.blocks).includes('Someone left')));
    const offboardingId = text(card.blocks).match(/offboarding:(off_[0-9A-Za-z]+):/)?.[1] ?? '';

    await t.slack.clickButton({
      userId: ADMIN,
      actionId: ACTION.offboardingDelete,
      blockId: offboardingBlockId(offboardingId, created.key.id),
      value: created.key.id,
      message: card,
    });
    const modal = await t.slack.waitFor(() => t.slack.openViewFor(ADMIN));
    expect(text(modal.blocks)).toContain(created.key.id);
    expect(await t.app.store.read.keys.findById(created.key.id)).toBeDefined();
    const wrong = await t.slack.sendViewSubmission({ userId: ADMIN, viewId: modal.id, inputs: { [INPUT.mfaCode]: '000000' } });
    expect(text(wrong.body)).toContain('Nothing changed');
    expect(await t.app.store.read.keys.findById(created.key.id)).toBeDefined();

    await t.slack.sendViewSubmission({ userId: ADMIN, viewId: modal.id, inputs: { [INPUT.mfaCode]: codeAt(uri) } });
    await t.slack.waitFor(() =>
      text(t.slack.messagesIn(AUDIT_CHANNEL).find((m) => text(m.blocks).includes('Someone left'))?.blocks).includes('Deleted by')
        ? true
        : undefined,
    );
    expect(await t.app.store.read.keys.findById(created.key.id)).toBeUndefined();
  });
});
