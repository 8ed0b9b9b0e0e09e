import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACTION } from '../../src/slack/ids.js';
import { ADMIN, APPROVALS_CHANNEL, startTestApp, type TestApp } from '../support/app.js';
import { dialects } from '../support/db.js';
import { TestClock } from '../support/domain.js';

const BOB = 'UBOB';
const CAROL = 'UCAROL';
const text = (value: unknown) => JSON.stringify(value);

describe.each(dialects)('two-person approvals in Slack (SPEC §17), on %s', (dialect) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp({
      dialect,
      clock: new TestClock(new Date()),
      env: { API_ACCESS_APPROVALS: '2', BOOTSTRAP_ADMINS: `${ADMIN},${CAROL}` },
    });
  });
  afterEach(async () => t.stop());

  const cardNow = () => t.slack.messagesIn(APPROVALS_CHANNEL)[0];

  it('the card shows "1 of 2 approved by" in place, the same admin twice counts once, the second admin decides', async () => {
    await t.slack.sendSlashCommand({ userId: BOB, text: 'request-access nightly export' });
    const card = await t.slack.waitFor(() =>
      t.slack.messagesIn(APPROVALS_CHANNEL).find((m) => text(m.blocks).includes(ACTION.approveRequest)),
    );
    expect(text(card.blocks)).toContain('Waiting for 2 admins');
    await t.slack.clickButton({ userId: ADMIN, actionId: ACTION.approveRequest, message: card });
    await t.slack.waitFor(() => text(cardNow()?.blocks).includes('1 of 2 approved* by <@UADMIN>'));
    expect(text(cardNow()?.blocks)).toContain(ACTION.approveRequest);
    expect(t.slack.messagesIn(APPROVALS_CHANNEL)).toHaveLength(1);

    const twice = await t.slack.clickButton({ userId: ADMIN, actionId: ACTION.approveRequest, message: card });
    await t.slack.waitFor(() => t.slack.responsesTo(twice.responseUrl ?? '').some((p) => text(p.body).includes('counts once')));
    expect((await t.app.services.users.context(BOB)).hasApiAccess).toBe(false);

    await t.slack.clickButton({ userId: CAROL, actionId: ACTION.approveRequest, message: card });
    await t.slack.waitFor(() => text(cardNow()?.blocks).includes('*Approved* by <@UADMIN> and <@UCAROL>'));
    expect(text(cardNow()?.blocks)).not.toContain(ACTION.approveRequest);
    expect((await t.app.services.users.context(BOB)).hasApiAccess).toBe(true);
  });
});
