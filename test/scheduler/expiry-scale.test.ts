import { sql, type Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { unmarkedKeysQuery } from '../../src/db/queues/expiry-warnings.js';
import type { Database } from '../../src/db/tables.js';
import { runExpiryCheck } from '../../src/scheduler/jobs/expiry-check.js';
import { bulkKeyId, createRecordingLogger, insertKeysDirectly, type BulkKey } from '../support/background.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/db.js';
import { DAY_MS, TestClock, makeServices, jobsOver } from '../support/domain.js';

const T0 = Date.parse('2026-01-15T12:00:00.000Z');
const TOTAL = 100_000;
const DUE = 10;

/** The plan of the due-key query, as text lines, for the database at hand. */
async function planOf(
  db: Kysely<Database>,
  dialect: 'sqlite' | 'postgres',
  range: { after: string | null; until: string },
): Promise<string> {
  const compiled = unmarkedKeysQuery(db, '7d', range, 200).compile();
  if (dialect === 'sqlite') {
    const rows = await db.executeQuery<{ detail: string }>({ ...compiled, sql: `explain query plan ${compiled.sql}` });
    return rows.rows.map((r) => r.detail).join('\n');
  }
  const rows = await db.executeQuery<{ 'QUERY PLAN': string }>({ ...compiled, sql: `explain ${compiled.sql}` });
  return rows.rows.map((r) => r['QUERY PLAN']).join('\n');
}

describe.each(dialects)('the expiry check over many keys on %s', (dialect) => {
  let db: TestDatabase;
  afterEach(async () => db.cleanup());

  it(`finds the ${DUE} due keys among ${TOTAL} through the expires_at index`, async () => {
    db = await createTestDatabase(dialect);
    const clock = new TestClock(new Date(T0));
    await makeServices(db.store, { clock });
    const role = await db.store.read.roles.findByName('Account Group Read Only');
    if (role === undefined) throw new Error('baseline role missing');
    const keys: BulkKey[] = Array.from({ length: TOTAL }, (_, i) => ({
      id: bulkKeyId(i),
      ownerId: `UOWNER${i % 1000}`,
      // A third never expire; the rest expire months away, except the first DUE, due for their 7-day warning.
      expiresAt:
        i < DUE
          ? new Date(T0 + 8 * DAY_MS + i * 1000).toISOString()
          : i % 3 === 0
            ? null
            : new Date(T0 + 60 * DAY_MS + i * 60_000).toISOString(),
      createdAt: new Date(T0).toISOString(),
    }));
    const insertStarted = performance.now();
    await insertKeysDirectly(db.connection, role.id, keys);
    const logger = createRecordingLogger();
    const check = () => runExpiryCheck({ ...jobsOver(db.store, clock.now), warningDays: [7, 1], logger });
    await check(); // the first run sets where the next one starts

    clock.set(new Date(T0 + 1 * DAY_MS + 60 * 60 * 1000));
    const started = performance.now();
    const result = await check();
    const elapsedMs = performance.now() - started;
    expect(result.queued).toBe(DUE);
    expect(result.examined).toBe(DUE);

    const plan = await planOf(db.connection.db, dialect, {
      after: result.from === null ? null : new Date(Date.parse(result.from) + 7 * DAY_MS).toISOString(),
      until: new Date(clock.now().getTime() + 7 * DAY_MS).toISOString(),
    });
    expect(plan).toMatch(/access_keys_expires_idx/);
    expect(plan).not.toMatch(/SCAN k\b|Seq Scan on access_keys/);
    const firstRunPlan = await planOf(db.connection.db, dialect, {
      after: null,
      until: new Date(clock.now().getTime() + 7 * DAY_MS).toISOString(),
    });
    expect(firstRunPlan).toMatch(/access_keys_expires_idx/);

    // Measured, not asserted: timings depend on the machine.
    console.info(
      `[${dialect}] inserted ${TOTAL} keys in ${Math.round(performance.now() - insertStarted - elapsedMs)} ms; expiry check with ${DUE} due took ${elapsedMs.toFixed(1)} ms\n${plan}`,
    );
    const marked = await sql<{ n: number }>`select count(*) as n from expiry_warnings`.execute(db.connection.db);
    expect(Number(marked.rows[0]?.n)).toBe(DUE);
  }, 180_000);
});
