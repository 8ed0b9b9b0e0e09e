import { CompiledQuery, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { staleUnnoticedQuery } from '../../src/db/queues/stale-key-notices.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/db.js';

/**
 * The stale-key check runs at start-up (SPEC §11: no table scan at start-up). Its clock is computed, so
 * only an index on the very same expression serves it: if the query's CASE and the migration's drift
 * apart, the plan falls back to reading every key, and this says so.
 */
describe.each(dialects)('the stale clock index (%s)', (dialect) => {
  let db: TestDatabase;
  afterEach(async () => db.cleanup());

  it('serves the stale-key check, which never reads every key', async () => {
    db = await createTestDatabase(dialect);
    const kysely = db.connection.db;
    const now = new Date('2026-12-07T12:00:00.000Z');
    const query = staleUnnoticedQuery(kysely, new Date('2026-09-08T12:00:00.000Z'), now, 100).compile();
    const explain = (prefix: string) => CompiledQuery.raw(`${prefix} ${query.sql}`, [...query.parameters]);
    if (dialect === 'sqlite') {
      const plan = await kysely.executeQuery<{ detail: string }>(explain('explain query plan'));
      const steps = plan.rows.map((row) => row.detail);
      expect(steps.join(' | ')).toContain('SEARCH k USING INDEX access_keys_stale_clock_idx');
      expect(steps.filter((step) => step.startsWith('SCAN k'))).toEqual([]);
    } else {
      // An empty table is cheapest to read whole; with sequential scans ruled out, a plan that still has
      // one means no index can serve the query.
      const plan = await kysely.transaction().execute(async (trx) => {
        await sql`set local enable_seqscan = off`.execute(trx);
        return trx.executeQuery<{ 'QUERY PLAN': string }>(explain('explain'));
      });
      const text = plan.rows.map((row) => row['QUERY PLAN']).join('\n');
      expect(text).toContain('access_keys_stale_clock_idx');
      expect(text).not.toMatch(/Seq Scan on access_keys/);
    }
  });
});
