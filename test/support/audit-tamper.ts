import { sql } from 'kysely';
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
