import cron from 'node-cron';
import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/domain/ports.js';
import { startScheduler, type Scheduler } from '../../src/scheduler/index.js';
import {
  AUDIT_CHANNEL,
  FAST_MIRROR,
  FAST_SENDER,
  createRecordingLogger,
  outboundFor,
  postedSeqs,
  warningsSent,
} from '../support/background.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { DAY_MS, TestClock, makeServices, jobsOver } from '../support/domain.js';
import { SlackEmulator } from '../support/slack-emulator/index.js';
import { until } from '../support/wait.js';

const T0 = Date.parse('2026-01-15T12:00:00.000Z');

describe('the scheduler', () => {
  let db: TestDatabase;
  let slack: SlackEmulator;
  let scheduler: Scheduler | undefined;
  afterEach(async () => {
    await scheduler?.stop();
    await slack.stop();
    await db.cleanup();
  });

  it('runs the expiry check on its cron, never two at once, delivers the DM and mirrors the audit, and stops cleanly', async () => {
    db = await createTestDatabase('sqlite');
    slack = await SlackEmulator.start();
    slack.addChannel({ id: AUDIT_CHANNEL, name: 'security' });
    slack.addUser({ id: 'UALICE', name: 'alice' });
    const clock = new TestClock(new Date(T0));
    const { services } = await makeServices(db.store, { clock, admins: ['UADMIN'] });
    await services.access.grant('UADMIN', 'UALICE');
    const created = await services.keys.create('UALICE', { name: 'cron-me', expiry: { kind: 'at', at: new Date(T0 + 3 * DAY_MS) } });
    clock.set(new Date(T0 + 2 * DAY_MS + 60_000)); // inside the 1-day threshold

    // The first run is slow (a long scan): it waits until a cron tick has found it still running.
    const logger = createRecordingLogger();
    const overlapSeen = () => logger.entries.find((e) => String(e.msg).startsWith('execution:overlap'));
    let slowCalls = 0;
    const real = db.store.expiryWarnings;
    const slowStore: Store = {
      ...db.store,
      // Inherits every other method (and its fields) from the real store; only the scan is slowed.
      expiryWarnings: Object.assign(Object.create(real) as typeof real, {
        findUnmarkedKeys: async (...args: Parameters<typeof real.findUnmarkedKeys>) => {
          slowCalls += 1;
          if (slowCalls === 1) await until(async () => overlapSeen(), 'a cron tick finding the first run still going', 8000);
          return real.findUnmarkedKeys(...args);
        },
      }),
    };
    const outbound = outboundFor(slack, logger);
    scheduler = startScheduler({
      ...jobsOver(slowStore, clock.now),
      logger,
      expiryCheckCron: '* * * * * *',
      expiryWarningDays: [7, 1],
      auditChannel: outbound.auditChannel,
      warningDm: outbound.warningDm,
      checkOnStart: false,
      tuning: { mirror: FAST_MIRROR, sender: FAST_SENDER },
    });

    await slack.waitFor(() => warningsSent(slack).length === 1, { timeoutMs: 8000 });
    expect(warningsSent(slack).map((w) => `${w.keyId}:${w.threshold}`)).toEqual([`${created.key.id}:1d`]);
    await slack.waitFor(() => logger.entries.find((e) => String(e.msg).startsWith('execution:overlap')), { timeoutMs: 10_000 });
    const head = await db.store.read.audit.readHead();
    await slack.waitFor(() => postedSeqs(slack).length === head.seq, { timeoutMs: 10_000 });

    // A manual run while a cron run is going is refused, not run twice.
    const manual = [scheduler.runExpiryCheck(), scheduler.runExpiryCheck()];
    expect((await Promise.all(manual))[1]).toBeUndefined();

    await scheduler.stop();
    scheduler = undefined;
    expect([...cron.getTasks().values()].some((task) => task.name === 'expiry-check')).toBe(false);
    expect(warningsSent(slack)).toHaveLength(1);
  }, 30_000);
});
