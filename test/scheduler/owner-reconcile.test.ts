import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Services } from '../../src/domain/services.js';
import { runOwnerReconcile } from '../../src/scheduler/jobs/owner-reconcile.js';
import { createRecordingLogger, outboundFor } from '../support/background.js';
import { dialects, type TestDatabase } from '../support/db.js';
import { domainWithAlice, jobsOver, type TestClock } from '../support/domain.js';
import { SlackEmulator } from '../support/slack-emulator/index.js';

const ALICE = 'UALICE';
const BOB = 'UBOB';
const CAROL = 'UCAROL';
const RUN = '2026-01-16T03:17:00.000Z';

describe.each(dialects)('the daily owner reconcile on %s', (dialect) => {
  let db: TestDatabase;
  let services: Services;
  let clock: TestClock;
  let slack: SlackEmulator;
  const logger = createRecordingLogger();
  let waits: number[];
  const sleep = async (ms: number) => {
    waits.push(ms);
  };

  beforeEach(async () => {
    ({ db, services, clock } = await domainWithAlice(dialect));
    slack = await SlackEmulator.start();
    waits = [];
    // Alice left while the app was down; Bob is still here; Carol left too, but her only key is inactive.
    slack.addUser({ id: ALICE, name: 'alice', deleted: true });
    slack.addUser({ id: BOB, name: 'bob' });
    slack.addUser({ id: CAROL, name: 'carol', deleted: true });
    for (const user of [BOB, CAROL]) await services.access.grant('UADMIN', user);
    for (const [owner, name] of [
      [ALICE, 'a1'],
      [ALICE, 'a2'],
      [BOB, 'b1'],
      [CAROL, 'c1'],
    ] as const) {
      const created = await services.keys.create(owner, { name, expiry: { kind: 'never' } });
      if (!created.created) throw new Error('expected a new key');
    }
    await services.keys.deactivate(CAROL, 'c1');
  });
  afterEach(async () => {
    await slack.stop();
    await db.cleanup();
  });

  const directory = () => outboundFor(slack, logger).directory;
  const run = (store = db.store, runId = RUN) =>
    runOwnerReconcile({ ...jobsOver(store, clock.now), logger, directory: directory(), runId, sleep, tuning: { minIntervalMs: 0 } });
  const askedAbout = () => slack.callsTo('users.info').map((c) => c.args.user);

  it('asks Slack about every owner of a usable key and offboards the deactivated ones as the event would', async () => {
    const result = await run();
    expect(result).toMatchObject({ ran: true, finished: true, checked: 2, offboarded: 1 });
    expect(askedAbout().sort()).toEqual([ALICE, BOB]);
    const alice = await services.keys.list(ALICE, { allRoles: true });
    expect(alice.keys.map((k) => k.key.status)).toEqual(['inactive', 'inactive']);
    expect((await services.keys.list(BOB)).keys.map((k) => k.key.status)).toEqual(['active']);
    const records = (await services.audit.search({ limit: 100 })).filter((r) => r.action === 'key.inactivated_offboarding');
    expect(records.map((r) => r.details)).toEqual([{ source: 'reconcile' }, { source: 'reconcile' }]);
  });

  it("waits out a 429's Retry-After and then goes on", async () => {
    slack.fault({ method: 'users.info', kind: 'ratelimited', retryAfterSec: 7, times: 2 });
    const result = await run();
    expect(result).toMatchObject({ ran: true, finished: true, checked: 2, offboarded: 1, rateLimitWaits: 2 });
    expect(waits).toEqual([7000, 7000]);
  });

  it('one replica does a run; the other finds it claimed; a finished run is not done again', async () => {
    const other = await db.openAnother();
    const [first, second] = await Promise.all([run(db.store), run(other.store)]);
    expect([first.ran, second.ran].sort()).toEqual([false, true]);
    expect(askedAbout()).toHaveLength(2);
    expect((await run()).ran).toBe(false);
  });

  it('a run stopped by an outage is resumed from its cursor by the next claim', async () => {
    // The first owner is asked, then Slack fails.
    slack.fault({ method: 'users.info', kind: 'http500', times: 1 });
    const stopped = await run();
    expect(stopped).toMatchObject({ ran: true, finished: false, checked: 0 });
    const resumed = await run();
    expect(resumed).toMatchObject({ ran: true, finished: true, checked: 2, offboarded: 1 });
    expect((await run()).ran).toBe(false);
  });

  it('a reactivated person whose keys were already handled is not offboarded twice', async () => {
    await services.offboardPerson('system', { userId: ALICE }, { source: 'event' });
    const result = await run();
    // Alice has no usable key left, so she is not even asked about.
    expect(askedAbout()).toEqual([BOB]);
    expect(result).toMatchObject({ checked: 1, offboarded: 0 });
  });
});
