import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/domain/ports.js';
import { runStaleKeyCheck } from '../../src/scheduler/jobs/stale-keys.js';
import { ACTION } from '../../src/slack/ids.js';
import { STALE_NOTICE_TEXT_BLOCK } from '../../src/slack/views/notifications.js';
import { ADMIN, startTestApp, type TestApp } from '../support/app.js';
import { bulkKeyId, createRecordingLogger, insertKeysDirectly, type BulkKey } from '../support/background.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/db.js';
import { DAY_MS, TestClock, makeServices, jobsOver } from '../support/domain.js';
import type { EmulatedMessage } from '../support/slack-emulator/index.js';
import { until } from '../support/wait.js';

const text = (value: unknown) => JSON.stringify(value);
const FAST = { idlePollMs: 20, spacingMs: 0, unavailableBackoffMs: [50], retryDelaysMs: [0], blockedRetryMs: 100 };
const ENV = { EXPIRY_CHECK_CRON: '* * * * * *', STALE_KEY_AFTER: '30d', STALE_KEY_AUTO_INACTIVE_AFTER: '7d' };

const isNotice = (m: EmulatedMessage) => m.blocks.some((b) => b.block_id === STALE_NOTICE_TEXT_BLOCK);

describe.each(dialects)('stale keys on %s, end to end', (dialect) => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  async function start() {
    t = await startTestApp({ dialect, background: true, clock: new TestClock(new Date()), env: ENV, notificationTuning: FAST });
    const app = t;
    return app;
  }
  /** Notices as they stand in the DM (a click replaces one with its outcome). */
  const notices = (app: TestApp) => app.slack.messagesIn(app.slack.dmChannelOf(ADMIN) ?? 'none').filter(isNotice);
  /** Every notice ever posted. */
  const noticesPosted = (app: TestApp) =>
    app.slack.calls.filter(
      (c) => c.method === 'chat.postMessage' && c.status === 200 && text(c.args.blocks).includes(STALE_NOTICE_TEXT_BLOCK),
    ).length;
  const auditActions = async (app: TestApp, action: string) =>
    (await app.app.services.audit.search({ userId: ADMIN, limit: 100 })).filter((r) => r.action === action);
  const rerun = (app: TestApp) =>
    runStaleKeyCheck({
      ...jobsOver(app.app.store, app.clock.now),
      logger: createRecordingLogger(),
      staleAfterMs: 30 * DAY_MS,
      autoInactiveAfterMs: 7 * DAY_MS,
    });

  it('an unused key gets one notice with Keep / Make inactive / Delete; Keep restarts the clock (audited); staying unused after the next notice makes it inactive, audited, owner told', async () => {
    const app = await start();
    const created = await app.app.services.keys.create(ADMIN, { name: 'nightly-etl', expiry: { kind: 'never' } });
    const keyId = created.key.id;
    app.clock.advance(30 * DAY_MS + 60_000);
    const notice = await app.slack.waitFor(() => notices(app)[0], { timeoutMs: 10_000, message: 'the stale-key notice' });
    expect(text(notice.blocks)).toContain('has never been used');
    expect(text(notice.blocks)).toContain('<!date^');
    const actions = notice.blocks.find((b) => b.type === 'actions');
    expect(text(actions)).toContain(ACTION.keepKey);
    expect(text(actions)).toContain(ACTION.deactivateKey);
    expect(text(actions)).toContain(ACTION.deleteKey);
    // Another replica (or the next tick) finds nothing new to notice for this stale period.
    expect((await rerun(app)).noticed).toBe(0);

    await app.slack.clickButton({ userId: ADMIN, actionId: ACTION.keepKey, message: notice });
    await until(async () => (await auditActions(app, 'key.kept')).length === 1, 'key.kept to be audited');
    await app.slack.waitFor(() => app.slack.messagesIn(notice.channel).some((m) => text(m.blocks).includes('is kept')), {
      message: 'the notice to show the outcome',
    });
    expect((await app.app.services.keys.show(ADMIN, keyId)).key.status).toBe('active');
    app.clock.advance(8 * DAY_MS);
    // Kept 8 days ago: neither a new notice nor automatic inactivation.
    expect(await rerun(app)).toMatchObject({ noticed: 0, inactivated: 0 });
    expect((await app.app.services.keys.show(ADMIN, keyId)).key.status).toBe('active');
    expect(noticesPosted(app)).toBe(1);

    // 30 days after Keep: a second notice (a new stale period), then 7 days later, made inactive.
    app.clock.advance(23 * DAY_MS);
    await app.slack.waitFor(() => noticesPosted(app) === 2, { timeoutMs: 10_000, message: 'the second notice' });
    app.clock.advance(7 * DAY_MS + 60_000);
    await until(
      async () => (await auditActions(app, 'key.deactivated_as_stale')).length === 1,
      'the automatic inactivation to be audited',
      10_000,
    );
    expect((await app.app.services.keys.show(ADMIN, keyId)).key.status).toBe('inactive');
    const dm = app.slack.dmChannelOf(ADMIN) ?? 'none';
    await app.slack.waitFor(() => app.slack.messagesIn(dm).some((m) => (m.text ?? '').includes('was made inactive')), {
      timeoutMs: 10_000,
      message: 'the owner to be told',
    });
    expect((await rerun(app)).inactivated).toBe(0);
    expect(noticesPosted(app)).toBe(2);
  }, 60_000);

  it('Make inactive and Delete on the notice are the usual key buttons; a used key gets no notice', async () => {
    const app = await start();
    const { services } = app.app;
    await services.roles.create(ADMIN, { name: 'Ops', maxKeys: 3 });
    await services.roles.assign(ADMIN, { userId: ADMIN, roleName: 'Ops' });
    await services.users.switchRole(ADMIN, 'Ops');
    const first = await services.keys.create(ADMIN, { name: 'first', expiry: { kind: 'never' } });
    const second = await services.keys.create(ADMIN, { name: 'second', expiry: { kind: 'never' } });
    const used = await services.keys.create(ADMIN, { name: 'used', expiry: { kind: 'never' } });
    app.clock.advance(29 * DAY_MS);
    // A use 29 days in (what the integration API records): the clock restarts there.
    await app.app.store.write((tx) => tx.keys.touchLastUsed(used.key.id, app.clock.now().toISOString(), null));
    app.clock.advance(DAY_MS + 60_000);
    await app.slack.waitFor(() => notices(app).length === 2, { timeoutMs: 10_000, message: 'two notices' });
    const byKey = (id: string) => notices(app).find((m) => text(m.blocks).includes(id));
    const one = byKey(first.key.id);
    const two = byKey(second.key.id);
    if (one === undefined || two === undefined) throw new Error('a notice is missing');
    expect(byKey(used.key.id)).toBeUndefined();
    await app.slack.clickButton({ userId: ADMIN, actionId: ACTION.deactivateKey, message: one });
    await app.slack.clickButton({ userId: ADMIN, actionId: ACTION.deleteKey, message: two });
    await until(async () => (await services.keys.list(ADMIN)).keys.length === 2, 'the delete');
    await until(async () => (await services.keys.show(ADMIN, first.key.id)).key.status === 'inactive', 'the deactivation');
  }, 60_000);
});

describe.each(dialects)('stale-key notices across three replicas on %s', (dialect) => {
  let db: TestDatabase | undefined;
  afterEach(async () => {
    await db?.cleanup();
    db = undefined;
  });

  it('300 stale keys checked by three replicas at once: one notice and one DM row per key; auto-inactivation once per key', async () => {
    db = await createTestDatabase(dialect);
    const test = db;
    const clock = new TestClock('2026-01-15T12:00:00.000Z');
    await makeServices(test.store, { clock });
    const role = await test.store.read.roles.findByName('Account Group Read Only');
    if (role === undefined) throw new Error('baseline role missing');
    const keys: BulkKey[] = Array.from({ length: 300 }, (_, i) => ({
      id: bulkKeyId(i),
      ownerId: `USTALE${i % 30}`,
      expiresAt: null,
      createdAt: new Date(clock.now().getTime() - 100 * DAY_MS).toISOString(),
    }));
    await insertKeysDirectly(test.connection, role.id, keys);
    const stores: Store[] = [test.store, (await test.openAnother()).store, (await test.openAnother()).store];
    const logger = createRecordingLogger();
    const run = () =>
      Promise.all(
        stores.map((store) =>
          runStaleKeyCheck({
            ...jobsOver(store, clock.now),
            logger,
            staleAfterMs: 90 * DAY_MS,
            autoInactiveAfterMs: DAY_MS,
            batchSize: 50,
          }),
        ),
      );

    const first = await run();
    expect(first.reduce((sum, r) => sum + r.noticed, 0)).toBe(300);
    const again = await run();
    expect(again.reduce((sum, r) => sum + r.noticed, 0)).toBe(0);
    const count = async (query: string) => Number((await sql<{ n: number }>`${sql.raw(query)}`.execute(test.connection.db)).rows[0]?.n);
    expect(await count(`select count(distinct key_id) as n from stale_key_notices`)).toBe(300);
    expect(await count(`select count(*) as n from stale_key_notices`)).toBe(300);
    expect(await count(`select count(*) as n from notification_outbox where kind = 'stale_key.notice'`)).toBe(300);

    clock.advance(DAY_MS + 1000);
    const later = await run();
    expect(later.reduce((sum, r) => sum + r.inactivated, 0)).toBe(300);
    expect(await count(`select count(*) as n from audit_log where action = 'key.deactivated_as_stale'`)).toBe(300);
    expect(await count(`select count(*) as n from notification_outbox where kind = 'stale_key.inactivated_dm'`)).toBe(300);
    expect(await count(`select count(*) as n from access_keys where status = 'inactive'`)).toBe(300);
    expect(logger.entries.filter((e) => e.level === 'error')).toEqual([]);
  }, 120_000);
});
