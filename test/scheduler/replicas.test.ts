import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/domain/ports.js';
import { runExpiryCheck } from '../../src/scheduler/jobs/expiry-check.js';
import type { WorkerLoop } from '../../src/scheduler/worker-loop.js';
import {
  AUDIT_CHANNEL,
  bulkKeyId,
  createRecordingLogger,
  insertKeysDirectly,
  outboundFor,
  postedSeqs,
  startMirrorLoop,
  startSenderLoop,
  warningsSent,
  type BulkKey,
} from '../support/background.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/db.js';
import { DAY_MS, TestClock, makeServices, jobsOver } from '../support/domain.js';
import { SlackEmulator } from '../support/slack-emulator/index.js';
import { until } from '../support/wait.js';

const T0 = Date.parse('2026-01-15T12:00:00.000Z');
const KEYS = 1000;
const FIRES = 100;
const SKEWS_MS = [-2000, 0, 2000];

describe.each(dialects)('three replicas on %s', (dialect) => {
  let db: TestDatabase;
  let slack: SlackEmulator;
  const loops: WorkerLoop[] = [];
  afterEach(async () => {
    for (const loop of loops.splice(0)) await loop.stop();
    await slack.stop();
    await db.cleanup();
  });

  it(`with clocks −2 s/0/+2 s and ${FIRES} fires over ${KEYS} keys crossing thresholds, each warning is sent once and each audit record posted once`, async () => {
    db = await createTestDatabase(dialect);
    slack = await SlackEmulator.start();
    slack.addChannel({ id: AUDIT_CHANNEL, name: 'security' });
    const logger = createRecordingLogger();
    const base = new TestClock(new Date(T0));
    await makeServices(db.store, { clock: base });
    const role = await db.store.read.roles.findByName('Account Group Read Only');
    if (role === undefined) throw new Error('baseline role missing');
    const owners = Array.from({ length: 100 }, (_, i) => `UREP${i}`);
    for (const id of owners) slack.addUser({ id, name: id.toLowerCase() });
    // Expiries spread over one day, 8–9 days out: every key crosses 7d, 1d and expiry during the fires.
    const keys: BulkKey[] = Array.from({ length: KEYS }, (_, i) => ({
      id: bulkKeyId(i),
      ownerId: owners[i % owners.length] ?? 'UREP0',
      expiresAt: new Date(T0 + 8 * DAY_MS + Math.floor((i * DAY_MS) / KEYS)).toISOString(),
      createdAt: new Date(T0).toISOString(),
    }));
    await insertKeysDirectly(db.connection, role.id, keys);

    // Each replica: its own pool, Slack clients and clock. Clocks follow the test's jumps plus real time,
    // and leases are long enough that a jump never expires one mid-delivery (no crash in this test).
    const realStart = Date.now();
    const stores: Store[] = [db.store, (await db.openAnother()).store, (await db.openAnother()).store];
    const replicas = stores.map((store, i) => {
      const skew = SKEWS_MS[i] ?? 0;
      const now = () => new Date(base.now().getTime() + skew + (Date.now() - realStart));
      const outbound = outboundFor(slack, logger);
      loops.push(startSenderLoop({ store, outbound, now, logger, tuning: { leaseMs: 30 * DAY_MS } }));
      loops.push(startMirrorLoop({ store, outbound, now, logger, tuning: { leaseMs: 30 * DAY_MS, spacingMs: 10 } }));
      return { store, now };
    });

    const step = (9 * DAY_MS + 2 * 60 * 60 * 1000) / FIRES;
    for (let fire = 0; fire < FIRES; fire++) {
      base.advance(step);
      await Promise.all(replicas.map((r) => runExpiryCheck({ ...jobsOver(r.store, r.now), warningDays: [7, 1], logger, batchSize: 100 })));
      // Cron fires every 15 minutes; delivery takes seconds. Let the senders drain before the next fire.
      await until(async () => (await db.store.expiryWarnings.backlog()).pending === 0, 'the warning queue to drain', 30_000);
    }
    await until(async () => (await db.store.auditOutbox.backlog()).pending === 0, 'the audit outbox to drain', 30_000);
    for (const loop of loops.splice(0)) await loop.stop();

    const sent = warningsSent(slack).map((w) => `${w.keyId}:${w.threshold}`);
    const counts = new Map<string, number>();
    for (const item of sent) counts.set(item, (counts.get(item) ?? 0) + 1);
    expect([...counts.values()].filter((n) => n > 1)).toEqual([]);
    expect(sent).toHaveLength(3 * KEYS);
    for (const key of keys) for (const threshold of ['7d', '1d', 'expired']) expect(counts.get(`${key.id}:${threshold}`)).toBe(1);

    const expired = await sql<{ n: number }>`select count(*) as n from audit_log where action = 'key.expired'`.execute(db.connection.db);
    expect(Number(expired.rows[0]?.n)).toBe(KEYS);
    const head = await db.store.read.audit.readHead();
    const seqs = postedSeqs(slack);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs.length).toBe(head.seq);
    expect(logger.entries.filter((e) => e.level === 'error')).toEqual([]);
  }, 240_000);
});
