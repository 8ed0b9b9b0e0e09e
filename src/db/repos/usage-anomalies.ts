import type { Db } from './db.js';

/** `usage_anomalies`: the insert that returns the row is the one that tells the owner (once per key, kind, day). */
export async function markOnce(db: Db, keyId: string, kind: string, day: string, at: string): Promise<boolean> {
  const row = await db
    .insertInto('usage_anomalies')
    .values({ key_id: keyId, kind, day, at })
    .onConflict((conflict) => conflict.columns(['key_id', 'kind', 'day']).doNothing())
    .returning('key_id')
    .executeTakeFirst();
  return row !== undefined;
}

/** Markers of days before `beforeDay` (YYYY-MM-DD) go with the counters they were about (USAGE_RETENTION). */
export async function prune(db: Db, beforeDay: string): Promise<number> {
  const result = await db.deleteFrom('usage_anomalies').where('day', '<', beforeDay).executeTakeFirst();
  return Number(result.numDeletedRows);
}
