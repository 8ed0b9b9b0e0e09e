import { afterEach, describe, expect, it } from 'vitest';
import { ACTION, VIEW } from '../../src/slack/ids.js';
import { postedSeqs, warningsSent } from '../support/background.js';
import { ADMIN, AUDIT_CHANNEL, secretsIn, startTestApp, type TestApp } from '../support/app.js';
import { DAY_MS, TestClock } from '../support/domain.js';

const ALICE = 'UALICE';

describe('the running app with background work on', () => {
  let t: TestApp | undefined;
  afterEach(async () => t?.stop());

  it('mirrors audit records to the security channel and DMs an expiry warning whose Extend button opens the extend modal', async () => {
    const clock = new TestClock(new Date());
    t = await startTestApp({ background: true, clock, env: { EXPIRY_CHECK_CRON: '* * * * * *' } });
    const { app, slack } = t;
    await app.services.access.grant(ADMIN, ALICE);
    const created = await app.services.keys.create(ALICE, {
      name: 'nightly',
      expiry: { kind: 'at', at: new Date(clock.now().getTime() + 3 * DAY_MS) },
    });
    if (!created.created) throw new Error('key not created');

    const head = await app.store.read.audit.readHead();
    await slack.waitFor(() => postedSeqs(slack, AUDIT_CHANNEL).length >= head.seq, {
      timeoutMs: 10_000,
      message: 'audit records in the channel',
    });
    expect(postedSeqs(slack, AUDIT_CHANNEL)).toEqual(Array.from({ length: head.seq }, (_, i) => i + 1));

    clock.advance(2 * DAY_MS + 60_000); // the key enters its 1-day threshold; the next cron tick notices
    const [warning] = await slack.waitFor(() => (warningsSent(slack).length > 0 ? warningsSent(slack) : undefined), {
      timeoutMs: 10_000,
      message: 'the warning DM',
    });
    expect(warning).toMatchObject({ keyId: created.key.id, threshold: '1d', channel: slack.dmChannelOf(ALICE) });

    await slack.clickButton({ userId: ALICE, actionId: ACTION.extendKey, value: created.key.id, message: warning?.message });
    const modal = await slack.waitFor(() => slack.openViewFor(ALICE), { message: 'the extend modal' });
    expect(modal.callback_id).toBe(VIEW.extendKey);

    expect(secretsIn(slack.allText())).toEqual([]);
    expect(secretsIn(t.logs.join('\n'))).toEqual([]);
  }, 30_000);
});
