import type { Db } from './db.js';

/** `dual_control`: second-admin confirmations of sensitive changes (docs/admin-security.md). */

export async function record(db: Db, subject: string, approverId: string, at: string): Promise<boolean> {
  const result = await db
    .insertInto('dual_control')
    .values({ subject, approver_id: approverId, at })
    .onConflict((oc) => oc.columns(['subject', 'approver_id']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function approversOf(db: Db, subject: string): Promise<string[]> {
  const rows = await db
    .selectFrom('dual_control')
    .select('approver_id')
    .where('subject', '=', subject)
    .orderBy('at')
    .orderBy('approver_id')
    .execute();
  return rows.map((row) => row.approver_id);
}

export async function clear(db: Db, subject: string): Promise<void> {
  await db.deleteFrom('dual_control').where('subject', '=', subject).execute();
}

export async function forgetBefore(db: Db, subject: string, sinceIso: string): Promise<void> {
  await db.deleteFrom('dual_control').where('subject', '=', subject).where('at', '<', sinceIso).execute();
}
