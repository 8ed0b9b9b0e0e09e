import { sql } from 'kysely';
import type { HourlyTotal, LabelTotal, UsageCell } from '../../domain/usage-counts.js';
import type { Db } from './db.js';

/**
 * `usage_counts`: per-key hourly counters. `add` is one multi-row upsert per batch that adds to what is
 * there (`count = count + excluded.count`), atomic on SQLite and PostgreSQL alike, so flushes from
 * several replicas add up. A batch never holds the same row twice (the recorder coalesces first), which
 * PostgreSQL's ON CONFLICT requires.
 */

/** Rows per statement: 6 parameters each, far below both databases' parameter limits. */
const ROWS_PER_STATEMENT = 500;

export async function add(db: Db, cells: readonly UsageCell[]): Promise<void> {
  for (let start = 0; start < cells.length; start += ROWS_PER_STATEMENT) {
    const rows = cells.slice(start, start + ROWS_PER_STATEMENT).map((cell) => ({
      key_id: cell.keyId,
      hour: cell.hour,
      dimension: cell.dimension,
      label: cell.label,
      outcome: cell.outcome,
      count: cell.count,
    }));
    await db
      .insertInto('usage_counts')
      .values(rows)
      .onConflict((conflict) =>
        conflict
          .columns(['key_id', 'hour', 'dimension', 'label', 'outcome'])
          .doUpdateSet({ count: sql<number>`${sql.ref('usage_counts.count')} + ${sql.ref('excluded.count')}` }),
      )
      .execute();
  }
}

export async function prune(db: Db, beforeHour: number): Promise<number> {
  const result = await db.deleteFrom('usage_counts').where('hour', '<', beforeHour).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function hourlyTotals(db: Db, keyId: string, fromHour: number, toHour: number): Promise<HourlyTotal[]> {
  const rows = await db
    .selectFrom('usage_counts')
    .select(['hour', 'outcome', 'count'])
    .where('key_id', '=', keyId)
    .where('dimension', '=', 'all')
    .where('hour', '>=', fromHour)
    .where('hour', '<', toHour)
    .orderBy('hour')
    .execute();
  return rows.map((row) => ({ hour: Number(row.hour), outcome: row.outcome, count: Number(row.count) }));
}

export async function labelTotals(
  db: Db,
  keyId: string,
  dimension: 'network' | 'tag',
  fromHour: number,
  toHour: number,
  limit: number,
): Promise<LabelTotal[]> {
  const rows = await db
    .selectFrom('usage_counts')
    .select(['label', (eb) => eb.fn.sum<number | string>('count').as('total')])
    .where('key_id', '=', keyId)
    .where('dimension', '=', dimension)
    .where('hour', '>=', fromHour)
    .where('hour', '<', toHour)
    .groupBy('label')
    .orderBy('total', 'desc')
    .orderBy('label')
    .limit(limit)
    .execute();
  return rows.map((row) => ({ label: row.label, count: Number(row.total) }));
}

/** The uses of one label of a key in every hour up to and including `hour` (within retention). */
export async function labelTotalUpTo(db: Db, keyId: string, dimension: 'network' | 'tag', label: string, hour: number): Promise<number> {
  const row = await db
    .selectFrom('usage_counts')
    .select((eb) => eb.fn.sum<number | string>('count').as('total'))
    .where('key_id', '=', keyId)
    .where('dimension', '=', dimension)
    .where('label', '=', label)
    .where('hour', '<=', hour)
    .executeTakeFirst();
  return Number(row?.total ?? 0);
}
