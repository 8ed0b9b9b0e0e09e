import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WarningDm } from '../../src/domain/expiry-ports.js';
import type { Store } from '../../src/domain/ports.js';
import type { Services } from '../../src/domain/services.js';
import { runExpiryCheck } from '../../src/scheduler/jobs/expiry-check.js';
import { DEFAULT_SENDER_TUNING, createWarningSender } from '../../src/scheduler/jobs/expiry-warning-sender.js';
import type { SlackOutbound } from '../../src/slack/outbound/index.js';
import { ACTION } from '../../src/slack/ids.js';
import {
  FAST_SENDER,
  bulkKeyId,
  createRecordingLogger,
  insertKeysDirectly,
  outboundFor,
  warningsSent,
  type BulkKey,
} from '../support/background.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/db.js';
import { DAY_MS, TestClock, makeServices, jobsOver } from '../support/domain.js';
import { SlackEmulator } from '../support/slack-emulator/index.js';

const T0 = Date.parse('2026-01-15T12:00:00.000Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const IDLE = 987_654; // the sender's idle pause in these tests: "nothing was claimable"

describe.each(dialects)('expiry warnings on %s', (dialect) => {
  let db: TestDatabase;
  let slack: SlackEmulator;
  let services: Services;
  let clock: TestClock;
  let outbound: SlackOutbound;
  // A fresh one per test: no test reads another's log lines.
  let logger: ReturnType<typeof createRecordingLogger>;

  beforeEach(async () => {
    logger = createRecordingLogger();
    db = await createTestDatabase(dialect);
    slack = await SlackEmulator.start();
    for (const id of ['UADMIN', 'UALICE', 'UBOB']) slack.addUser({ id, name: id.toLowerCase() });
    clock = new TestClock(new Date(T0));
    ({ services } = await makeServices(db.store, { clock, admins: ['UADMIN'] }));
    for (const id of ['UALICE', 'UBOB']) await services.access.grant('UADMIN', id);
    outbound = outboundFor(slack, logger);
  });
  afterEach(async () => {
    await slack.stop();
    await db.cleanup();
  });

  const check = (store: Store = db.store) => runExpiryCheck({ ...jobsOver(store, clock.now), warningDays: [7, 1], logger });

  /** Delivers everything claimable now, as the sender's loop would. */
  async function deliver(store: Store = db.store, dm: WarningDm = outbound.warningDm): Promise<void> {
    const sender = createWarningSender({
      ...jobsOver(store, clock.now),
      dm,
      warningDays: [7, 1],
      logger,
      tuning: { ...FAST_SENDER, idlePollMs: IDLE },
    });
    for (let i = 0; i < 10_000 && (await sender.tick()) !== IDLE; i++);
  }

  async function createKey(owner: string, name: string, expiresAtMs: number) {
    const result = await services.keys.create(owner, { name, expiry: { kind: 'at', at: new Date(expiresAtMs) } });
    if (!result.created) throw new Error('key not created');
    return result;
  }

  const sent = () => warningsSent(slack).map((w) => `${w.keyId}:${w.threshold}`);
  const markers = async (keyId: string) =>
    (
      await db.connection.db
        .selectFrom('expiry_warnings')
        .select(['threshold', 'state', 'last_error', 'expires_at'])
        .where('key_id', '=', keyId)
        .orderBy('created_at')
        .orderBy('threshold')
        .execute()
    ).map((r) => ({ threshold: r.threshold, state: r.state, note: r.last_error, expiresAt: r.expires_at }));
  const expiredAudits = async (keyId: string) =>
    (await services.audit.search({ keyId, limit: 50 })).filter((r) => r.action === 'key.expired');

  it('a wall-clock jump of an hour forward and back warns nobody twice, and an extension across it warns for the new date only', async () => {
    const expiresAt = T0 + 2 * DAY_MS;
    const { key } = await createKey('UALICE', 'jumpy', expiresAt);
    clock.set(new Date(expiresAt - DAY_MS + MINUTE)); // inside the 1-day threshold
    await check();
    await deliver();
    expect(sent()).toEqual([`${key.id}:1d`]);
    clock.advance(HOUR); // the clock jumps forward…
    await check();
    await deliver();
    clock.advance(-HOUR); // …and back again
    await check();
    await deliver();
    expect(sent()).toEqual([`${key.id}:1d`]);
    // Extended across the jump: the old date's markers no longer apply, the new date's fire once.
    const newExpiry = expiresAt + 10 * DAY_MS;
    await services.keys.extend('UALICE', { reference: key.id, expiry: { kind: 'at', at: new Date(newExpiry) } });
    clock.set(new Date(newExpiry - DAY_MS + MINUTE));
    await check();
    await deliver();
    clock.advance(HOUR);
    await check();
    await deliver();
    expect(sent()).toEqual([`${key.id}:1d`, `${key.id}:1d`]);
    expect((await markers(key.id)).filter((m) => m.state === 'sent').map((m) => m.expiresAt)).toEqual([
      new Date(expiresAt).toISOString(),
      new Date(newExpiry).toISOString(),
    ]);
  });

  it('warns 7 days and 1 day before and at expiry, each exactly once across repeated runs and a restart', async () => {
    const expiresAt = T0 + 10 * DAY_MS;
    const { key } = await createKey('UALICE', 'deploy-bot', expiresAt);

    await check();
    await deliver();
    expect(sent()).toEqual([]);

    clock.set(new Date(expiresAt - 7 * DAY_MS + MINUTE));
    await check();
    await check();
    await deliver();
    await deliver();
    expect(sent()).toEqual([`${key.id}:7d`]);

    // A restart: another connection pool, a fresh job and sender, the same database.
    const restarted = (await db.openAnother()).store;
    await check(restarted);
    await deliver(restarted, outboundFor(slack, logger).warningDm);
    expect(sent()).toEqual([`${key.id}:7d`]);

    clock.set(new Date(expiresAt - DAY_MS + MINUTE));
    await check(restarted);
    await deliver(restarted);
    clock.set(new Date(expiresAt + MINUTE));
    await check(db.store);
    await check(restarted);
    await deliver();
    await deliver(restarted);
    expect(sent()).toEqual([`${key.id}:7d`, `${key.id}:1d`, `${key.id}:expired`]);

    const audits = await expiredAudits(key.id);
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({
      actorId: 'system',
      keyName: 'deploy-bot',
      ownerId: 'UALICE',
      expiresAt: new Date(expiresAt).toISOString(),
    });

    const dms = warningsSent(slack);
    expect(new Set(dms.map((w) => w.channel))).toEqual(new Set([slack.dmChannelOf('UALICE')]));
    for (const { message } of dms) {
      const buttons = message.blocks.flatMap((b) => (Array.isArray(b.elements) ? b.elements : []));
      expect(buttons).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ action_id: ACTION.extendKey, value: key.id }),
          expect.objectContaining({ action_id: ACTION.rotateKey, value: key.id }),
        ]),
      );
      expect(JSON.stringify(message.blocks)).toContain('<!date^');
    }
    expect(dms[0]?.message.text).toContain('expires in 7 days');
  });

  it('catches up after downtime: only the most urgent warning goes out, the skipped thresholds are marked', async () => {
    const a = (await createKey('UALICE', 'a', T0 + 10 * DAY_MS)).key;
    const b = (await createKey('UBOB', 'b', T0 + 12 * DAY_MS)).key;
    await check();

    clock.set(new Date(T0 + 9 * DAY_MS + 12 * HOUR)); // down through a's 7-day and into its 1-day threshold
    await check();
    await deliver();
    expect(sent().sort()).toEqual([`${a.id}:1d`, `${b.id}:7d`].sort());
    expect(await markers(a.id)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ threshold: '7d', state: 'skipped', note: 'superseded' }),
        expect.objectContaining({ threshold: '1d', state: 'sent' }),
      ]),
    );

    clock.set(new Date(T0 + 13 * DAY_MS)); // down again past both expiries
    await check();
    await deliver();
    expect(sent().sort()).toEqual([`${a.id}:1d`, `${a.id}:expired`, `${b.id}:7d`, `${b.id}:expired`].sort());
    expect(await markers(b.id)).toEqual(
      expect.arrayContaining([expect.objectContaining({ threshold: '1d', state: 'skipped', note: 'superseded' })]),
    );
    expect(await expiredAudits(a.id)).toHaveLength(1);
    expect(await expiredAudits(b.id)).toHaveLength(1);
  });

  it('a key that expired long before the first run is audited as expired, but nobody is messaged about it', async () => {
    const { key } = await createKey('UALICE', 'ancient', T0 + DAY_MS);
    clock.set(new Date(T0 + 40 * DAY_MS));
    await check();
    await deliver();
    expect(sent()).toEqual([]);
    expect(await expiredAudits(key.id)).toHaveLength(1);
    expect(await markers(key.id)).toEqual(
      expect.arrayContaining([expect.objectContaining({ threshold: 'expired', state: 'skipped', note: 'stale' })]),
    );
  });

  it('an extended key is not warned again for its old expiry, and its new expiry warns in its own time', async () => {
    const oldExpiry = T0 + 10 * DAY_MS;
    const newExpiry = oldExpiry + 30 * DAY_MS;
    const { key } = await createKey('UALICE', 'extend-me', oldExpiry);
    clock.set(new Date(oldExpiry - 7 * DAY_MS + MINUTE));
    await check();
    await deliver();
    clock.set(new Date(oldExpiry - DAY_MS + MINUTE));
    await check(); // the 1-day warning is queued …
    await services.keys.extend('UALICE', { reference: key.id, expiry: { kind: 'at', at: new Date(newExpiry) } }); // … and the owner extends first
    await deliver();
    expect(sent()).toEqual([`${key.id}:7d`]);
    expect(await markers(key.id)).toEqual(
      expect.arrayContaining([expect.objectContaining({ threshold: '1d', state: 'cancelled', note: 'expiry_changed' })]),
    );

    clock.set(new Date(oldExpiry + HOUR));
    await check();
    await deliver();
    expect(sent()).toEqual([`${key.id}:7d`]);
    expect(await expiredAudits(key.id)).toHaveLength(0);

    clock.set(new Date(newExpiry - 7 * DAY_MS + MINUTE));
    await check();
    await deliver();
    expect(sent()).toEqual([`${key.id}:7d`, `${key.id}:7d`]);
    const [, second] = warningsSent(slack);
    expect(JSON.stringify(second?.message.blocks)).toContain(`<!date^${Math.floor(newExpiry / 1000)}^`);
  });

  it('nothing goes out for deleted keys, whether deleted before the check or while the warning waits', async () => {
    const gone = (await createKey('UALICE', 'gone-early', T0 + 10 * DAY_MS)).key;
    const late = (await createKey('UALICE', 'gone-late', T0 + 10 * DAY_MS)).key;
    const kept = (await createKey('UBOB', 'kept', T0 + 10 * DAY_MS)).key;
    await services.keys.delete('UALICE', { reference: gone.id });
    clock.set(new Date(T0 + 3 * DAY_MS + HOUR));
    await check();
    await services.keys.delete('UALICE', { reference: late.id });
    await deliver();
    expect(sent()).toEqual([`${kept.id}:7d`]);
    expect(await markers(gone.id)).toEqual([]);
    expect(await markers(late.id)).toEqual([expect.objectContaining({ threshold: '7d', state: 'cancelled', note: 'key_deleted' })]);
  });

  it('a key created 3 days before expiry gets no "7 days" warning, but the 1-day one and the expiry notice', async () => {
    const { key } = await createKey('UALICE', 'short-lived', T0 + 3 * DAY_MS);
    for (const at of [T0, T0 + 2 * DAY_MS + MINUTE, T0 + 3 * DAY_MS + MINUTE]) {
      clock.set(new Date(at));
      await check();
      await deliver();
    }
    expect(sent()).toEqual([`${key.id}:1d`, `${key.id}:expired`]);
    expect(await markers(key.id)).toEqual(
      expect.arrayContaining([expect.objectContaining({ threshold: '7d', state: 'skipped', note: 'entered_at_creation' })]),
    );
  });

  it('a queued "1 day" warning still waiting when the key expires is dropped for the expiry notice', async () => {
    const { key } = await createKey('UALICE', 'slow-slack', T0 + 3 * DAY_MS);
    clock.set(new Date(T0 + 2 * DAY_MS + MINUTE));
    await check(); // queued, but Slack is unreachable until after the expiry
    clock.set(new Date(T0 + 3 * DAY_MS + MINUTE));
    await check();
    await deliver();
    expect(sent()).toEqual([`${key.id}:expired`]);
    expect(await markers(key.id)).toEqual(
      expect.arrayContaining([expect.objectContaining({ threshold: '1d', state: 'cancelled', note: 'superseded' })]),
    );
  });

  it('inactive keys get no DMs, yet their expiry is still audited once', async () => {
    const { key } = await createKey('UALICE', 'switched-off', T0 + 10 * DAY_MS);
    await services.keys.deactivate('UALICE', key.id);
    for (const at of [T0 + 4 * DAY_MS, T0 + 9.5 * DAY_MS, T0 + 10.5 * DAY_MS]) {
      clock.set(new Date(at));
      await check();
      await deliver();
    }
    expect(sent()).toEqual([]);
    expect(await expiredAudits(key.id)).toHaveLength(1);
  });

  it('no secret appears in any DM or channel message about keys created through the services', async () => {
    const secrets: string[] = [];
    for (const [owner, name] of [
      ['UALICE', 'one'],
      ['UBOB', 'two'],
    ] as const)
      secrets.push((await createKey(owner, name, T0 + 2 * DAY_MS)).secret);
    for (const at of [T0 + DAY_MS + HOUR, T0 + 2 * DAY_MS + HOUR]) {
      clock.set(new Date(at));
      await check();
      await deliver();
    }
    expect(warningsSent(slack)).toHaveLength(4);
    const everything = slack.allText();
    expect(everything).not.toMatch(/aks_[0-9A-Za-z]{46}/);
    for (const secret of secrets) expect(everything).not.toContain(secret);
  });

  it('a check that crashes after 500 of 1000 keys and a sender killed after 500 DMs are finished by the next ones: 1000 DMs, none twice', async () => {
    const role = await db.store.read.roles.findByName('Account Group Read Only');
    if (role === undefined) throw new Error('baseline role missing');
    const owners = Array.from({ length: 50 }, (_, i) => `UOWNER${i}`);
    for (const id of owners) slack.addUser({ id, name: id.toLowerCase() });
    const keys: BulkKey[] = Array.from({ length: 1000 }, (_, i) => ({
      id: bulkKeyId(i),
      ownerId: owners[i % owners.length] ?? 'UALICE',
      expiresAt: new Date(T0 + 10 * DAY_MS + i * 1000).toISOString(),
      createdAt: new Date(T0).toISOString(),
    }));
    await insertKeysDirectly(db.connection, role.id, keys);
    await check();
    clock.set(new Date(T0 + 3 * DAY_MS + HOUR));

    let batches = 0;
    const real = db.store.expiryWarnings;
    const crashing: Store = {
      ...db.store,
      expiryWarnings: {
        evaluatedUntil: () => real.evaluatedUntil(),
        setEvaluatedUntil: (at) => real.setEvaluatedUntil(at),
        findUnmarkedKeys: (threshold, range, limit) => real.findUnmarkedKeys(threshold, range, limit),
        write: (fn) => {
          batches += 1;
          if (batches > 5) throw new Error('process killed mid-run');
          return real.write(fn);
        },
        claim: (request) => real.claim(request),
        markSent: (id, delivery, now) => real.markSent(id, delivery, now),
        cancel: (id, reason, now) => real.cancel(id, reason, now),
        release: (ids) => real.release(ids),
        recordFailure: (id, failure, now) => real.recordFailure(id, failure, now),
        backlog: () => real.backlog(),
        prune: (cutoff, limit) => real.prune(cutoff, limit),
      },
    };
    await expect(runExpiryCheck({ ...jobsOver(crashing, clock.now), warningDays: [7, 1], logger, batchSize: 100 })).rejects.toThrow(
      /killed/,
    );
    expect((await real.backlog()).pending).toBe(500);
    const finished = await runExpiryCheck({
      ...jobsOver(db.store, clock.now),
      warningDays: [7, 1],
      logger,
      batchSize: 100,
    });
    expect(finished.queued).toBe(500);

    let delivered = 0;
    const dying: WarningDm = {
      async send(notice) {
        if (delivered === 500) throw new Error('process killed mid-delivery');
        const outcome = await outbound.warningDm.send(notice);
        if (outcome.kind === 'posted') delivered += 1;
        return outcome;
      },
    };
    await expect(deliver(db.store, dying)).rejects.toThrow(/killed/);
    expect(warningsSent(slack)).toHaveLength(500);

    clock.advance(DEFAULT_SENDER_TUNING.leaseMs + MINUTE); // past the dead sender's lease
    await deliver((await db.openAnother()).store, outboundFor(slack, logger).warningDm);
    const all = sent();
    expect(all).toHaveLength(1000);
    expect(new Set(all).size).toBe(1000);
    expect((await real.backlog()).pending).toBe(0);
  }, 120_000);
});
