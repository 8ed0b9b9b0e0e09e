import { randomUUID } from 'node:crypto';
import type { StreamClaim, StreamQueue } from '../../domain/streams/model.js';
import { backgroundStatement, backgroundTransaction } from '../background-tx.js';
import type { Connection } from '../connect.js';
import { toAuditStream } from '../repos/streams.js';

/**
 * The per-stream outbox over `audit_streams`: each stream's cursor into `audit_log`. A claim leases
 * whole streams (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: BEGIN IMMEDIATE), so one replica delivers a
 * stream at a time and streams are independent of each other. The cursor moves only by compare-and-set
 * from the value the claim saw: no seq is skipped, and a Replay is never undone by an older delivery.
 */
export class KyselyStreamQueue implements StreamQueue {
  constructor(private readonly connection: Connection) {}

  async claim(request: { now: Date; leaseMs: number; max: number; exclude: readonly string[] }): Promise<StreamClaim[]> {
    const nowIso = request.now.toISOString();
    const postgres = this.connection.dialect === 'postgres';
    return backgroundTransaction(this.connection, async (trx) => {
      const rows = await trx
        .selectFrom('audit_streams')
        .selectAll()
        .where('state', '=', 'active')
        .where('next_attempt_at', '<=', nowIso)
        .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<=', nowIso)]))
        .where((eb) => eb('cursor_seq', '<', eb.selectFrom('audit_head').select('seq').where('id', '=', 1)))
        .$if(request.exclude.length > 0, (q) => q.where('id', 'not in', [...request.exclude]))
        .orderBy('next_attempt_at')
        .limit(request.max)
        .$if(postgres, (q) => q.forUpdate().skipLocked())
        .execute();
      const claims: StreamClaim[] = [];
      for (const row of rows) {
        const token = randomUUID();
        await trx
          .updateTable('audit_streams')
          .set({ claimed_until: new Date(request.now.getTime() + request.leaseMs).toISOString(), claim_token: token })
          .where('id', '=', row.id)
          .execute();
        claims.push({
          stream: toAuditStream(row),
          token,
          secretSealed: row.secret_enc,
          batchEndSeq: row.batch_end_seq === null ? null : Number(row.batch_end_seq),
        });
      }
      return claims;
    });
  }

  async fixBatch(claim: StreamClaim, endSeq: number): Promise<void> {
    await backgroundStatement(this.connection, (db) =>
      db
        .updateTable('audit_streams')
        .set({ batch_end_seq: endSeq })
        .where('id', '=', claim.stream.id)
        .where('claim_token', '=', claim.token)
        .where('cursor_seq', '=', claim.stream.cursorSeq)
        .execute(),
    );
  }

  async complete(claim: StreamClaim, toSeq: number, now: Date): Promise<boolean> {
    const result = await backgroundStatement(this.connection, (db) =>
      db
        .updateTable('audit_streams')
        .set({
          cursor_seq: toSeq,
          batch_end_seq: null,
          failures: 0,
          last_delivered_at: now.toISOString(),
        })
        .where('id', '=', claim.stream.id)
        .where('cursor_seq', '=', claim.stream.cursorSeq)
        .executeTakeFirst(),
    );
    return Number(result.numUpdatedRows) > 0;
  }

  async release(claim: StreamClaim): Promise<void> {
    await backgroundStatement(this.connection, (db) =>
      db
        .updateTable('audit_streams')
        .set({ claimed_until: null, claim_token: null })
        .where('id', '=', claim.stream.id)
        .where('claim_token', '=', claim.token)
        .execute(),
    );
  }

  async fail(claim: StreamClaim, error: string, retryAt: Date, now: Date): Promise<number> {
    return backgroundTransaction(this.connection, async (trx) => {
      await trx
        .updateTable('audit_streams')
        .set((eb) => ({
          failures: eb('failures', '+', 1),
          last_error: error,
          last_error_at: now.toISOString(),
          next_attempt_at: retryAt.toISOString(),
          claimed_until: null,
          claim_token: null,
        }))
        .where('id', '=', claim.stream.id)
        .where('claim_token', '=', claim.token)
        .execute();
      const row = await trx.selectFrom('audit_streams').select('failures').where('id', '=', claim.stream.id).executeTakeFirst();
      return Number(row?.failures ?? 0);
    });
  }

  async sealedSecret(id: string): Promise<string | null> {
    const row = await backgroundStatement(this.connection, (db) =>
      db.selectFrom('audit_streams').select('secret_enc').where('id', '=', id).executeTakeFirst(),
    );
    return row?.secret_enc ?? null;
  }
}
