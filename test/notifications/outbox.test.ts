import { afterEach, describe, expect, it } from 'vitest';
import { ACTION } from '../../src/slack/ids.js';
import { runOutboxPrune } from '../../src/scheduler/jobs/outbox-prune.js';
import { createRecordingLogger } from '../support/background.js';
import { ADMIN, APPROVALS_CHANNEL, startTestApp, type TestApp } from '../support/app.js';
import { dialects } from '../support/db.js';
import { DAY_MS, TestClock, jobsOver } from '../support/domain.js';
import { until } from '../support/wait.js';

const BOB = 'UBOB';
const text = (value: unknown) => JSON.stringify(value);
/** The test writes beside a running app: on SQLite a write may meet the app's lock for a moment. */
async function busyRetry<T>(fn: () => Promise<T>): Promise<T> {
  const done = await until(
    () =>
      fn().then(
        (value) => ({ value }),
        (error: unknown) => {
          if (!/locked|busy/i.test(String(error))) throw error;
          return undefined;
        },
      ),
    'the write beside the running app',
  );
  return done.value;
}

const FAST = { idlePollMs: 20, spacingMs: 0, unavailableBackoffMs: [50], retryDelaysMs: [0], blockedRetryMs: 100 };

describe.each(dialects)('the notification outbox on %s', (dialect) => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  async function requestCard(app: TestApp) {
    await app.slack.sendSlashCommand({ userId: BOB, text: 'request-access nightly export' });
    return app.slack.waitFor(() => app.slack.messagesIn(APPROVALS_CHANNEL).find((m) => text(m.blocks).includes(ACTION.approveRequest)));
  }

  const outboxRows = (app: TestApp) =>
    app.db.connection.db.selectFrom('notification_outbox').select(['kind', 'state', 'attempts']).execute();

  it('Slack down during an approval (and a restart in the outage): the card update and the requester’s DM arrive once Slack is back, once each', async () => {
    t = await startTestApp({ dialect, clock: new TestClock(new Date()), notificationTuning: FAST });
    const app = t;
    const card = await requestCard(app);
    for (const method of ['chat.update', 'chat.postMessage', 'conversations.open']) app.slack.fault({ method, kind: 'http500' });
    await app.slack.clickButton({ userId: ADMIN, actionId: ACTION.approveRequest, message: card });
    // The decision is committed and audited at once; what Slack must show waits in the outbox.
    await until(
      async () => (await app.app.services.audit.search({ userId: BOB, limit: 10 })).some((r) => r.action === 'api_access.approved'),
      'the approval to be audited',
    );
    await until(() => Promise.resolve(app.slack.calls.filter((c) => c.status === 500).length >= 2), 'the worker to meet the outage twice');
    expect(text(app.slack.messagesIn(APPROVALS_CHANNEL)[0]?.blocks)).toContain(ACTION.approveRequest);
    expect(app.slack.dmChannelOf(BOB)).toBeUndefined();
    const during = await outboxRows(app);
    expect(during.map((r) => r.kind).sort()).toEqual(['request.card_update', 'request.decision_dm']);
    expect(during.every((r) => r.state === 'pending' && Number(r.attempts) === 0)).toBe(true);

    await app.restart();
    app.slack.clearFaults();
    await app.slack.waitFor(() => text(app.slack.messagesIn(APPROVALS_CHANNEL)[0]?.blocks).includes('*Approved* by <@UADMIN>'), {
      timeoutMs: 10_000,
      message: 'the card to show the approval',
    });
    const dm = await app.slack.waitFor(() => app.slack.dmChannelOf(BOB));
    await app.slack.waitFor(() => app.slack.messagesIn(dm).some((m) => (m.text ?? '').includes('approved your API access')), {
      timeoutMs: 10_000,
      message: 'the decision DM',
    });
    await until(async () => (await outboxRows(app)).every((r) => r.state === 'sent'), 'every outbox row to be sent');
    expect(app.slack.messagesIn(dm).filter((m) => (m.text ?? '').includes('approved your API access'))).toHaveLength(1);
    expect(app.slack.messagesIn(APPROVALS_CHANNEL)[0]?.revisions.filter((r) => r.via === 'chat.update')).toHaveLength(1);
  }, 40_000);

  it('a role deletion tells each owner through the outbox, after a Slack error, exactly once', async () => {
    t = await startTestApp({ dialect, clock: new TestClock(new Date()), notificationTuning: FAST });
    const app = t;
    const { services } = app.app;
    await services.roles.create(ADMIN, { name: 'Ops' });
    await services.roles.assign(ADMIN, { userId: ADMIN, roleName: 'Ops' });
    await services.users.switchRole(ADMIN, 'Ops');
    await services.keys.create(ADMIN, { name: 'ops-runner', expiry: { kind: 'never' } });
    app.slack.fault({ method: 'chat.postMessage', kind: 'http500', times: 2 });
    await services.roles.delete(ADMIN, { name: 'Ops' });
    const dm = await app.slack.waitFor(() => app.slack.dmChannelOf(ADMIN));
    await app.slack.waitFor(() => app.slack.messagesIn(dm).some((m) => (m.text ?? '').includes('One of your keys was deleted')), {
      timeoutMs: 10_000,
      message: 'the owner DM',
    });
    await until(async () => (await outboxRows(app)).every((r) => r.state === 'sent'), 'the row to be sent');
    expect(app.slack.messagesIn(dm).filter((m) => (m.text ?? '').includes('One of your keys was deleted'))).toHaveLength(1);
  }, 30_000);

  it('pruning removes delivered rows older than OUTBOX_RETENTION and keeps recent, pending and parked ones', async () => {
    const clock = new TestClock(new Date());
    // The worker looks once at start, then stays out of the way of the test's direct writes (SQLite's one writer).
    t = await startTestApp({ dialect, clock, notificationTuning: { ...FAST, idlePollMs: 60_000 } });
    const app = t;
    const db = app.db.connection.db;
    const now = clock.now().getTime();
    const at = (daysAgo: number) => new Date(now - daysAgo * DAY_MS).toISOString();
    const row = (id: string, state: string, doneDaysAgo: number | null) => ({
      id,
      kind: 'keys_deleted.dm',
      payload: JSON.stringify({ kind: 'keys_deleted.dm', ownerId: 'UALICE', cause: 'role_deleted', roleName: 'x', keys: [] }),
      state,
      created_at: at(40),
      attempts: 0,
      // Far in the future so the running worker leaves the pending row alone.
      next_attempt_at: new Date(now + 365 * DAY_MS).toISOString(),
      claimed_until: null,
      last_error: null,
      done_at: doneDaysAgo === null ? null : at(doneDaysAgo),
    });
    await busyRetry(() =>
      db
        .insertInto('notification_outbox')
        .values([
          row('old-sent', 'sent', 31),
          row('old-cancelled', 'cancelled', 45),
          row('recent-sent', 'sent', 29),
          row('old-pending', 'pending', null),
          row('old-parked', 'parked', 40),
        ])
        .execute(),
    );
    // Audit outbox: one old posted, one recent posted, one pending.
    await app.app.services.roles.create(ADMIN, { name: 'Pruned' });
    await app.app.services.roles.create(ADMIN, { name: 'Recent' });
    await app.app.services.roles.create(ADMIN, { name: 'Waiting' });
    const seqs = (await db.selectFrom('audit_outbox').select('seq').orderBy('seq').execute()).map((r) => Number(r.seq));
    const [oldSeq, recentSeq] = seqs.slice(-3);
    await busyRetry(() =>
      db
        .updateTable('audit_outbox')
        .set({ state: 'posted', posted_at: at(31) })
        .where('seq', '=', oldSeq ?? -1)
        .execute(),
    );
    await busyRetry(() =>
      db
        .updateTable('audit_outbox')
        .set({ state: 'posted', posted_at: at(1) })
        .where('seq', '=', recentSeq ?? -1)
        .execute(),
    );
    // Expiry markers: spent (expiry long past) vs. still guarding an expiry ahead.
    const marker = (id: string, expiresDaysAgo: number) => ({
      id,
      key_id: `ak_${id}`,
      threshold: '7d',
      expires_at: at(expiresDaysAgo),
      owner_id: 'UALICE',
      state: 'sent',
      created_at: at(60),
      attempts: 1,
      next_attempt_at: at(60),
      claimed_until: null,
      last_error: null,
      channel_id: 'D1',
      message_ts: '1.1',
      done_at: at(50),
    });
    await busyRetry(() =>
      db
        .insertInto('expiry_warnings')
        .values([marker('spent', 40), marker('ahead', -10)])
        .execute(),
    );

    const result = await runOutboxPrune({
      ...jobsOver(app.app.store, clock.now),
      logger: createRecordingLogger(),
      retentionMs: app.config.notifications.outboxRetentionMs,
    });
    expect(result).toMatchObject({ notifications: 2, auditOutbox: 1, expiryWarnings: 1 });
    expect((await db.selectFrom('notification_outbox').select('id').orderBy('id').execute()).map((r) => r.id)).toEqual([
      'old-parked',
      'old-pending',
      'recent-sent',
    ]);
    const remaining = (await db.selectFrom('audit_outbox').select('seq').execute()).map((r) => Number(r.seq));
    expect(remaining).not.toContain(oldSeq);
    expect(remaining).toContain(recentSeq);
    expect(remaining).toContain(seqs.at(-1));
    expect((await db.selectFrom('expiry_warnings').select('id').execute()).map((r) => r.id)).toEqual(['ahead']);
    // The audit log itself is never pruned.
    expect((await app.app.services.audit.verifyChain()).ok).toBe(true);
  }, 30_000);
});
