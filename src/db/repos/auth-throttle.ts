import { sql } from 'kysely';
import type { Db } from './db.js';

/**
 * `auth_throttle`: the integration API's failed-attempt counters, shared by every replica. One upsert
 * per attempt: `insert … on conflict do update set count = count + 1 returning count` is a single atomic
 * statement on both SQLite and PostgreSQL, so concurrent attempts, on one replica or many, each see a
 * distinct count and no two of them can both be "the last one allowed".
 */

export async function hit(db: Db, scope: string, subject: string, windowIndex: number, expiresMs: number): Promise<number> {
  const row = await db
    .insertInto('auth_throttle')
    .values({ scope, subject, window_index: windowIndex, count: 1, expires_ms: expiresMs })
    .onConflict((conflict) =>
      conflict.columns(['scope', 'subject', 'window_index']).doUpdateSet({ count: sql<number>`${sql.ref('auth_throttle.count')} + 1` }),
    )
    .returning('count')
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export async function refund(db: Db, scope: string, subject: string, windowIndex: number): Promise<void> {
  await db
    .updateTable('auth_throttle')
    .set({ count: sql<number>`${sql.ref('count')} - 1` })
    .where('scope', '=', scope)
    .where('subject', '=', subject)
    .where('window_index', '=', windowIndex)
    .where('count', '>', 0)
    .execute();
}

export async function prune(db: Db, nowMs: number): Promise<number> {
  const result = await db.deleteFrom('auth_throttle').where('expires_ms', '<', nowMs).executeTakeFirst();
  return Number(result.numDeletedRows);
}
