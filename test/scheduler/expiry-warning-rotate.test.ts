import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runExpiryCheck } from '../../src/scheduler/jobs/expiry-check.js';
import { createWarningSender } from '../../src/scheduler/jobs/expiry-warning-sender.js';
import { ACTION } from '../../src/slack/ids.js';
import { FAST_SENDER, createRecordingLogger, outboundFor, warningsSent } from '../support/background.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/db.js';
import { DAY_MS, TestClock, makeServices, jobsOver } from '../support/domain.js';
import { SlackEmulator } from '../support/slack-emulator/index.js';

const T0 = Date.parse('2026-01-15T12:00:00.000Z');
const IDLE = 987_654;

interface Element {
  action_id?: string;
  value?: string;
  confirm?: { title?: { text?: string }; text?: { text?: string } };
}

describe.each(dialects)('the Rotate button of an expiry warning DM on %s', (dialect) => {
  let db: TestDatabase;
  let slack: SlackEmulator;
  let clock: TestClock;
  beforeEach(async () => {
    db = await createTestDatabase(dialect);
    slack = await SlackEmulator.start();
    slack.addUser({ id: 'UALICE', name: 'alice' });
    clock = new TestClock(new Date(T0));
  });
  afterEach(async () => {
    await slack.stop();
    await db.cleanup();
  });

  it('asks first, and says what happens to the key: a countdown before expiry, none after', async () => {
    const { services } = await makeServices(db.store, { clock, admins: ['UADMIN'] });
    await services.access.grant('UADMIN', 'UALICE');
    const created = await services.keys.create('UALICE', { name: 'nightly', expiry: { kind: 'at', at: new Date(T0 + 10 * DAY_MS) } });
    const logger = createRecordingLogger();
    const sender = createWarningSender({
      ...jobsOver(db.store, clock.now),
      dm: outboundFor(slack, logger).warningDm,
      warningDays: [7, 1],
      logger,
      tuning: { ...FAST_SENDER, idlePollMs: IDLE },
    });
    const sendWarnings = async () => {
      await runExpiryCheck({ ...jobsOver(db.store, clock.now), warningDays: [7, 1], logger });
      for (let i = 0; i < 1000 && (await sender.tick()) !== IDLE; i++);
    };
    const rotateIn = (threshold: string) => {
      const warning = warningsSent(slack).find((w) => w.threshold === threshold);
      const elements = (warning?.message.blocks ?? []).flatMap((b) => (Array.isArray(b.elements) ? (b.elements as Element[]) : []));
      return elements.find((e) => e.action_id === ACTION.rotateKey && e.value === created.key.id);
    };

    clock.set(new Date(T0 + 3 * DAY_MS + 60_000));
    await sendWarnings();
    expect(rotateIn('7d')?.confirm?.title?.text).toBe('Rotate this key?');
    expect(rotateIn('7d')?.confirm?.text?.text).toContain('keeps working for 1 day');

    clock.set(new Date(T0 + 10 * DAY_MS + 60_000));
    await sendWarnings();
    expect(rotateIn('expired')?.confirm?.text?.text).toContain('has already expired');
  });
});
