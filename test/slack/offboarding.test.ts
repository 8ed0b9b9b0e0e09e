import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACTION } from '../../src/slack/ids.js';
import { offboardingBlockId } from '../../src/slack/views/offboarding.js';
import { ADMIN, AUDIT_CHANNEL, startTestApp, type TestApp } from '../support/app.js';
import { dialects } from '../support/db.js';
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
    await deactivate(ALICE);
    // Slack's events are acknowledged before the listener runs: the card is the sign it has.
    const card = await t.slack.waitFor(() => cards()[0]);
    expect(await t.app.services.keys.verify(ci.secret)).toEqual({ valid: false, code: 'INACTIVE' });
    expect(await t.app.services.keys.verify(reports.secret)).toEqual({ valid: false, code: 'INACTIVE' });
    for (const part of ['<@UALICE>', 'ci', 'reports', 'Account Group Read Only', 'last used Never', ACTION.offboardingTransfer])
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
