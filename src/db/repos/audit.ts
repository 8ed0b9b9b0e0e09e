import { sql, type Transaction } from 'kysely';
import { isPriorityAudit } from '../../domain/audit-outbox.js';
import type { AuditHead, AuditRecord } from '../../domain/model.js';
import type { AuditSearch } from '../../domain/ports.js';
import type { Database } from '../tables.js';
import type { Db } from './db.js';
import { toAuditRecord } from './rows.js';

/** `audit_log` and `audit_head` (the chain), plus the `audit_outbox` row each record queues. */

export async function readHead(db: Db): Promise<AuditHead> {
  const row = await db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirstOrThrow();
  return { seq: Number(row.seq), hash: row.hash };
}

/** Appends the record and queues it for the security-channel mirror, in the caller's transaction. */
export async function insert(db: Db, record: AuditRecord): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      seq: record.seq,
      at: record.at,
      actor_id: record.actorId,
      action: record.action,
      key_id: record.keyId,
      key_name: record.keyName,
      owner_id: record.ownerId,
      role_name: record.roleName,
      expires_at: record.expiresAt,
      details: JSON.stringify(record.details),
      prev_hash: record.prevHash,
      hash: record.hash,
    })
    .execute();
  await db
    .insertInto('audit_outbox')
    .values({
      seq: record.seq,
      state: 'pending',
      attempts: 0,
      next_attempt_at: record.at,
      claimed_until: null,
      last_error: null,
      message_ts: null,
      priority: isPriorityAudit(record.action) ? 1 : 0,
    })
    .execute();
}

export async function writeHead(db: Db, head: AuditHead): Promise<void> {
  await db.updateTable('audit_head').set({ seq: head.seq, hash: head.hash }).where('id', '=', 1).execute();
}

export async function listAscending(db: Db, afterSeq: number, limit: number): Promise<AuditRecord[]> {
  const rows = await db.selectFrom('audit_log').selectAll().where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute();
  return rows.map(toAuditRecord);
}

export async function search(db: Db, filter: AuditSearch): Promise<AuditRecord[]> {
  let query = db.selectFrom('audit_log').selectAll();
  const userId = filter.userId;
  if (userId !== undefined) query = query.where((eb) => eb.or([eb('actor_id', '=', userId), eb('owner_id', '=', userId)]));
  if (filter.keyId !== undefined) query = query.where('key_id', '=', filter.keyId);
  if (filter.sinceIso !== undefined) query = query.where('at', '>=', filter.sinceIso);
  if (filter.beforeSeq !== undefined) query = query.where('seq', '<', filter.beforeSeq);
  const rows = await query.orderBy('seq', 'desc').limit(filter.limit).execute();
  return rows.map(toAuditRecord);
}

export async function findBySeq(db: Db, seq: number): Promise<AuditRecord | undefined> {
  const row = await db.selectFrom('audit_log').selectAll().where('seq', '=', seq).executeTakeFirst();
  return row && toAuditRecord(row);
}

/**
 * The highest seq queued for the mirror (0 when none). Every record queues its row as it is written,
 * so one above the chain head means records were cut after the head was rewound.
 */
export async function highestQueuedSeq(db: Db): Promise<number> {
  const row = await db
    .selectFrom('audit_outbox')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .executeTakeFirst();
  return Number(row?.seq ?? 0);
}

/** Records still waiting to be mirrored to the security channel (the backlog metric). */
export async function countPending(db: Db): Promise<number> {
  const row = await db
    .selectFrom('audit_outbox')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('state', '=', 'pending')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * PostgreSQL: serialise audited writers on the chain head row (SQLite's BEGIN IMMEDIATE already does).
 * Returns the transaction's id, assigned by the same round trip, so a COMMIT whose answer is lost can
 * be looked up from another connection (`pg_xact_status`, store.ts).
 */
export async function lockAuditHead(trx: Transaction<Database>): Promise<string> {
  const result = await sql<{ xid: string }>`select pg_current_xact_id()::text as xid from audit_head where id = 1 for update`.execute(trx);
  const xid = result.rows[0]?.xid;
  if (xid === undefined) throw new Error('audit_head has no row: the database is not migrated');
  return xid;
}
