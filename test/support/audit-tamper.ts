import { type Kysely, sql } from 'kysely';
import type { Database } from '../../src/db/tables.js';
import { GENESIS_HASH, hashAuditRecord } from '../../src/domain/audit.js';
import type { TestDatabase } from './db.js';

/**
 * What someone who can write the database might do to the audit log without leaving a broken chain:
 * rewrite records and recompute every hash after them, or cut the tail and rewind the head.
 */
export async function rewriteChainFrom(db: TestDatabase, seq: number, edit: { actorId: string }): Promise<void> {
  const records = await db.store.read.audit.listAscending(0, 100_000);
  let prevHash = GENESIS_HASH;
  for (const record of records) {
    if (record.seq >= seq) {
      const fields = { ...record, actorId: record.seq === seq ? edit.actorId : record.actorId, prevHash };
      const { hash: _old, ...rest } = fields;
      const hash = hashAuditRecord(rest);
      await sql`update audit_log set actor_id = ${fields.actorId}, prev_hash = ${prevHash}, hash = ${hash} where seq = ${record.seq}`.execute(
        db.connection.db,
      );
      prevHash = hash;
    } else {
      prevHash = record.hash;
    }
  }
  const last = records.at(-1);
  if (last !== undefined) await sql`update audit_head set seq = ${last.seq}, hash = ${prevHash} where id = 1`.execute(db.connection.db);
}

export async function dropTailAfter(db: TestDatabase, seq: number): Promise<void> {
  const kept = await db.store.read.audit.findBySeq(seq);
  if (kept === undefined) throw new Error(`no audit record ${seq}`);
  await sql`delete from audit_outbox where seq > ${seq}`.execute(db.connection.db);
  await sql`delete from audit_log where seq > ${seq}`.execute(db.connection.db);
  await sql`update audit_head set seq = ${seq}, hash = ${kept.hash} where id = 1`.execute(db.connection.db);
}

/**
 * Cuts the tail after `seq` and rewinds the head, but leaves the cut records' mirror rows
 * (`audit_outbox`), as an editor who knows only the chain tables would: posted ones stay as they were.
 * The foreign key from those rows is bypassed as such an editor would (the sqlite3 shell enforces none;
 * on PostgreSQL, a superuser's replica mode).
 */
export async function cutTailKeepingOutbox(db: TestDatabase, seq: number): Promise<void> {
  const kept = await db.store.read.audit.findBySeq(seq);
  if (kept === undefined) throw new Error(`no audit record ${seq}`);
  const cut = async (trx: Kysely<Database>) => {
    await sql`delete from audit_log where seq > ${seq}`.execute(trx);
    await sql`update audit_head set seq = ${seq}, hash = ${kept.hash} where id = 1`.execute(trx);
  };
  if (db.dialect === 'sqlite') {
    await sql`pragma foreign_keys = off`.execute(db.connection.db);
    try {
      await cut(db.connection.db);
    } finally {
      await sql`pragma foreign_keys = on`.execute(db.connection.db);
    }
    return;
  }
  await db.connection.db.transaction().execute(async (trx) => {
    await sql`set local session_replication_role = replica`.execute(trx);
    await cut(trx);
  });
}

/** Marks every queued mirror row posted, as the audit mirror does once Slack has the record. */
export async function markAllPosted(db: TestDatabase): Promise<void> {
  await sql`update audit_outbox set state = 'posted', message_ts = '1.0', posted_at = ${new Date().toISOString()}`.execute(
    db.connection.db,
  );
}
