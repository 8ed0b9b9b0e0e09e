import { afterEach, describe, expect, it } from 'vitest';
import { ACTION } from '../../src/slack/ids.js';
import { REMINDER_BLOCK } from '../../src/slack/views/notifications.js';
import { ADMIN, APPROVALS_CHANNEL, startTestApp, type TestApp } from '../support/app.js';
import { dialects } from '../support/db.js';
import { DAY_MS, TestClock } from '../support/domain.js';
import type { EmulatedMessage } from '../support/slack-emulator/index.js';
import { until } from '../support/wait.js';

const BOB = 'UBOB';
const CAROL = 'UCAROL';
const text = (value: unknown) => JSON.stringify(value);
const FAST = { idlePollMs: 20, spacingMs: 0, unavailableBackoffMs: [50], retryDelaysMs: [0], blockedRetryMs: 100 };
const isReminder = (m: EmulatedMessage) => m.blocks.some((b) => typeof b.block_id === 'string' && b.block_id.startsWith(REMINDER_BLOCK));

describe.each(dialects)('approval reminders and self-decisions on %s', (dialect) => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  async function requestCard(app: TestApp, userId: string, reason: string) {
    await app.slack.sendSlashCommand({ userId, text: `request-access ${reason}` });
    return app.slack.waitFor(() =>
      app.slack
        .messagesIn(APPROVALS_CHANNEL)
        .find((m) => text(m.blocks).includes(ACTION.approveRequest) && text(m.blocks).includes(reason)),
    );
  }

  it('a request open past ACCESS_REQUEST_REMIND_AFTER is re-posted once, linking its card; /accesskey admin requests lists open ones with their age', async () => {
    t = await startTestApp({
      dialect,
      background: true,
      clock: new TestClock(new Date()),
      env: { EXPIRY_CHECK_CRON: '* * * * * *', ACCESS_REQUEST_REMIND_AFTER: '24h' },
      notificationTuning: FAST,
    });
    const app = t;
    const card = await requestCard(app, BOB, 'billing-export');
    app.clock.advance(DAY_MS / 2);
    await requestCard(app, CAROL, 'carol-needs-it');
    app.clock.advance(DAY_MS / 2 + 60_000);
    const reminder = await app.slack.waitFor(() => app.slack.messagesIn(APPROVALS_CHANNEL).find(isReminder), {
      timeoutMs: 10_000,
      message: 'the reminder',
    });
    expect(text(reminder.blocks)).toContain('<@UBOB>');
    expect(text(reminder.blocks)).toContain('open for 1 day');
    expect(text(reminder.blocks)).toContain(`/archives/${APPROVALS_CHANNEL}/p${card.ts.replace('.', '')}`);
    // Once only: another run (another replica) queues nothing more for it.
    const store = app.app.store;
    expect(await store.queueReminders(new Date(app.clock.now().getTime() - DAY_MS), app.clock.now(), 100)).toBe(0);
    await until(
      async () =>
        Number(
          (
            await app.db.connection.db
              .selectFrom('notification_outbox')
              .select((eb) => eb.fn.countAll().as('n'))
              .where('state', '=', 'pending')
              .executeTakeFirst()
          )?.n ?? 0,
        ) === 0,
      'the outbox to drain',
    );
    expect(app.slack.messagesIn(APPROVALS_CHANNEL).filter(isReminder)).toHaveLength(1);

    const listed = text((await app.slack.sendSlashCommand({ userId: ADMIN, text: 'admin requests' })).body);
    expect(listed).toContain('Open API access requests');
    expect(listed).toContain('<@UBOB> · open 1 day');
    expect(listed).toContain('<@UCAROL> · open 12 hours');
    expect(listed.indexOf('UBOB')).toBeLessThan(listed.indexOf('UCAROL'));
    expect(text((await app.slack.sendSlashCommand({ userId: CAROL, text: 'admin requests' })).body)).toContain('Only admins');
  }, 40_000);

  it('nobody decides their own request, even an admin: refused with an ephemeral and audited; another admin still can', async () => {
    t = await startTestApp({ dialect, clock: new TestClock(new Date()), notificationTuning: FAST });
    const app = t;
    const card = await requestCard(app, BOB, 'self-service');
    // Made an admin by a version before grants decided open requests: the request stayed open (state left in the database).
    await app.app.store.write(async (tx) => {
      const admins = await tx.roles.findByName('System Admin');
      if (admins === undefined) throw new Error('no System Admin role');
      await tx.memberships.add(BOB, admins.id, ADMIN, new Date().toISOString());
    });
    const approve = await app.slack.clickButton({ userId: BOB, actionId: ACTION.approveRequest, message: card });
    await app.slack.waitFor(() =>
      app.slack.responsesTo(approve.responseUrl ?? '').some((p) => text(p.body).includes('Nobody can decide their own')),
    );
    const deny = await app.slack.clickButton({ userId: BOB, actionId: ACTION.denyRequest, message: card });
    await app.slack.waitFor(() =>
      app.slack.responsesTo(deny.responseUrl ?? '').some((p) => text(p.body).includes('Nobody can decide their own')),
    );
    expect(app.slack.openViewFor(BOB)).toBeUndefined();
    const refusals = await until(async () => {
      const found = (await app.app.services.audit.search({ userId: BOB, limit: 20 })).filter(
        (r) => r.action === 'api_access.self_decision_refused',
      );
      return found.length >= 2 && found;
    }, 'both self-decisions to be audited');
    expect(refusals.map((r) => r.details.attempted).sort()).toEqual(['approve', 'deny']);
    expect(text(app.slack.messagesIn(APPROVALS_CHANNEL)[0]?.blocks)).toContain(ACTION.approveRequest);

    await app.slack.clickButton({ userId: ADMIN, actionId: ACTION.approveRequest, message: card });
    await app.slack.waitFor(() => text(app.slack.messagesIn(APPROVALS_CHANNEL)[0]?.blocks).includes('*Approved* by <@UADMIN>'), {
      timeoutMs: 10_000,
      message: 'the approval',
    });
  }, 30_000);
});
