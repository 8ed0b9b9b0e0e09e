import type { AccessRequest } from '../../domain/model.js';
import type { AccessRequestsTable } from '../tables.js';
import type { Db } from './db.js';
import * as notifications from './notifications.js';
import { toAccessRequest } from './rows.js';

/** `access_requests`. */

export async function insert(db: Db, request: AccessRequest): Promise<void> {
  await db
    .insertInto('access_requests')
    .values({
      id: request.id,
      user_id: request.userId,
      reason: request.reason,
      status: request.status,
      created_at: request.createdAt,
      expires_at: request.expiresAt,
      decided_at: request.decidedAt,
      decided_by: request.decidedBy,
      decision_reason: request.decisionReason,
      card_channel: request.cardChannel,
      card_ts: request.cardTs,
      approvals: JSON.stringify(request.approvals),
      approvals_required: request.approvalsRequired,
    })
    .execute();
}

export async function find(db: Db, id: string): Promise<AccessRequest | undefined> {
  const row = await db.selectFrom('access_requests').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toAccessRequest(row);
}

export async function findPending(db: Db, userId: string): Promise<AccessRequest | undefined> {
  const row = await db
    .selectFrom('access_requests')
    .selectAll()
    .where('user_id', '=', userId)
    .where('status', '=', 'pending')
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
  return row && toAccessRequest(row);
}

export async function update(
  db: Db,
  id: string,
  patch: Partial<Pick<AccessRequest, 'status' | 'decidedAt' | 'decidedBy' | 'decisionReason' | 'cardChannel' | 'cardTs' | 'approvals'>>,
): Promise<void> {
  const values: Partial<Omit<AccessRequestsTable, 'id'>> = {};
  if (patch.status !== undefined) values.status = patch.status;
  if (patch.decidedAt !== undefined) values.decided_at = patch.decidedAt;
  if (patch.decidedBy !== undefined) values.decided_by = patch.decidedBy;
  if (patch.decisionReason !== undefined) values.decision_reason = patch.decisionReason;
  if (patch.cardChannel !== undefined) values.card_channel = patch.cardChannel;
  if (patch.cardTs !== undefined) values.card_ts = patch.cardTs;
  if (patch.approvals !== undefined) values.approvals = JSON.stringify(patch.approvals);
  if (Object.keys(values).length === 0) return;
  await db.updateTable('access_requests').set(values).where('id', '=', id).execute();
}

export async function listPendingExpiredBy(db: Db, nowIso: string, limit: number): Promise<AccessRequest[]> {
  const rows = await db
    .selectFrom('access_requests')
    .selectAll()
    .where('status', '=', 'pending')
    .where('expires_at', '<=', nowIso)
    .orderBy('expires_at')
    .limit(limit)
    .execute();
  return rows.map(toAccessRequest);
}

/** Open (pending, unexpired) requests, oldest first, for `/accesskey admin requests`. */
export async function listOpen(db: Db, nowIso: string, limit: number): Promise<AccessRequest[]> {
  const rows = await db
    .selectFrom('access_requests')
    .selectAll()
    .where('status', '=', 'pending')
    .where('expires_at', '>', nowIso)
    .orderBy('created_at')
    .limit(limit)
    .execute();
  return rows.map(toAccessRequest);
}

/**
 * Marks requests pending since before `openSince` (and not yet expired) as reminded, and queues one
 * reminder each. Run in a short transaction of its own: `reminded_at` goes from null once, so replicas
 * that race remind each request once; `skipLocked` (PostgreSQL) lets them take different rows.
 */
export async function queueReminders(trx: Db, due: { openSince: Date; now: Date; limit: number; skipLocked: boolean }): Promise<number> {
  const nowIso = due.now.toISOString();
  const found = await trx
    .selectFrom('access_requests')
    .select('id')
    .where('status', '=', 'pending')
    .where('reminded_at', 'is', null)
    .where('created_at', '<=', due.openSince.toISOString())
    .where('expires_at', '>', nowIso)
    .orderBy('created_at')
    .limit(due.limit)
    .$if(due.skipLocked, (q) => q.forUpdate().skipLocked())
    .execute();
  let queued = 0;
  for (const { id } of found) {
    const marked = await trx
      .updateTable('access_requests')
      .set({ reminded_at: nowIso })
      .where('id', '=', id)
      .where('reminded_at', 'is', null)
      .executeTakeFirst();
    if (Number(marked.numUpdatedRows) !== 1) continue;
    await notifications.enqueue(trx, { kind: 'request.reminder', requestId: id }, nowIso);
    queued += 1;
  }
  return queued;
}
