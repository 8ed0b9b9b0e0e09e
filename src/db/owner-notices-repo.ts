import type { OwnerNoticeKind, OwnerNoticeQueue, QueuedOwnerNotice } from '../domain/owner-notices.js';
import { backgroundStatement, backgroundTransaction } from './background-tx.js';
import type { Connection } from './connect.js';

/**
 * The `owner_notices` queue (DMs about key changes made through the key API). Claims are short
 * transactions of their own; on PostgreSQL the rows are taken FOR UPDATE SKIP LOCKED, so two replicas
 * never lease the same notice.
 */
export class KyselyOwnerNotices implements OwnerNoticeQueue {
  constructor(private readonly connection: Connection) {}

  async claim(request: { now: Date; leaseMs: number; maxItems: number }): Promise<QueuedOwnerNotice[]> {
    const nowIso = request.now.toISOString();
    const postgres = this.connection.dialect === 'postgres';
    return backgroundTransaction(this.connection, async (trx) => {
      const rows = await trx
        .selectFrom('owner_notices')
        .selectAll()
        .where('state', '=', 'pending')
        // A fresh notice is due at once whatever this worker's clock says; only retries wait.
        .where((eb) => eb.or([eb('attempts', '=', 0), eb('next_attempt_at', '<=', nowIso)]))
        .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<=', nowIso)]))
        // Ids sort in queueing order (see noticeId).
        .orderBy('id')
        .limit(request.maxItems)
        .$if(postgres, (q) => q.forUpdate().skipLocked())
        .execute();
      if (rows.length === 0) return [];
      const until = new Date(request.now.getTime() + request.leaseMs).toISOString();
      await trx.updateTable('owner_notices').set({ claimed_until: until }).where('id', 'in', rows.map((row) => row.id)).execute();
      return rows.map((row) => ({
        id: row.id,
        ownerId: row.owner_id,
        kind: row.kind as OwnerNoticeKind,
        keyId: row.key_id,
        keyName: row.key_name,
        roleName: row.role_name,
        viaKeyId: row.via_key_id,
        actorId: row.actor_id,
        createdAt: row.created_at,
        attempts: Number(row.attempts),
      }));
    });
  }

  async markSent(id: string, delivery: { channelId: string; ts: string }, now: Date): Promise<void> {
    await backgroundStatement(this.connection, (db) =>
      db.updateTable('owner_notices').set({ state: 'sent', channel_id: delivery.channelId, message_ts: delivery.ts, done_at: now.toISOString(), claimed_until: null }).where('id', '=', id).execute(),
    );
  }

  async release(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await backgroundStatement(this.connection, (db) => db.updateTable('owner_notices').set({ claimed_until: null }).where('id', 'in', [...ids]).where('state', '=', 'pending').execute());
  }

  async recordFailure(id: string, failure: { error: string; retryAt: Date | null }): Promise<void> {
    await backgroundStatement(this.connection, (db) =>
      db
        .updateTable('owner_notices')
        .set((eb) => ({
          attempts: eb('attempts', '+', 1),
          last_error: failure.error,
          claimed_until: null,
          state: failure.retryAt === null ? 'parked' : 'pending',
          ...(failure.retryAt === null ? {} : { next_attempt_at: failure.retryAt.toISOString() }),
        }))
        .where('id', '=', id)
        .execute(),
    );
  }

  async backlog(): Promise<{ pending: number; parked: number }> {
    return backgroundStatement(this.connection, async (db) => {
      const counts = await db
        .selectFrom('owner_notices')
        .select(['state', (eb) => eb.fn.countAll().as('n')])
        .where('state', 'in', ['pending', 'parked'])
        .groupBy('state')
        .execute();
      const count = (state: string) => Number(counts.find((row) => row.state === state)?.n ?? 0);
      return { pending: count('pending'), parked: count('parked') };
    });
  }
}
