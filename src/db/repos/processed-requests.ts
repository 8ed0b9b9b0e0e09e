import type { Db } from './db.js';

/** `processed_requests`: the Slack interactions already acted on (replays change nothing). */

export async function claim(db: Db, id: string, actorId: string, at: string): Promise<boolean> {
  const result = await db
    .insertInto('processed_requests')
    .values({ id, actor_id: actorId, at })
    .onConflict((oc) => oc.column('id').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function forgetBefore(db: Db, at: string): Promise<number> {
  const result = await db.deleteFrom('processed_requests').where('at', '<', at).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function seen(db: Db, id: string): Promise<boolean> {
  return (await db.selectFrom('processed_requests').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
}
