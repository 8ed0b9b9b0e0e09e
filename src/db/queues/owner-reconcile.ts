import type { OwnerReconcileStore, ReconcileProgress } from '../../domain/owner-reconcile-ports.js';
import { backgroundStatement, backgroundTransaction } from '../background-tx.js';
import type { Connection } from '../connect.js';

/**
 * `owner_reconcile_runs`: the claim of one scheduled run by one replica, with a lease it extends after
 * each batch and the cursor it has reached. Each call is a short transaction of its own (no audit lock):
 * the offboardings themselves go through the audited services.
 */
export class KyselyOwnerReconcileRuns implements OwnerReconcileStore {
  constructor(private readonly connection: Connection) {}

  async claim(runId: string, now: Date, leaseMs: number): Promise<ReconcileProgress | undefined> {
    const nowIso = now.toISOString();
    const until = new Date(now.getTime() + leaseMs).toISOString();
    return backgroundTransaction(this.connection, async (trx) => {
      const inserted = await trx
        .insertInto('owner_reconcile_runs')
        .values({ id: runId, started_at: nowIso, claimed_until: until, cursor: null, checked: 0, offboarded: 0, finished_at: null })
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return { cursor: null, checked: 0, offboarded: 0 };
      // Taken over only when its holder stopped extending the lease and never finished (a crash).
      const taken = await trx
        .updateTable('owner_reconcile_runs')
        .set({ claimed_until: until })
        .where('id', '=', runId)
        .where('finished_at', 'is', null)
        .where('claimed_until', '<=', nowIso)
        .executeTakeFirst();
      if (Number(taken.numUpdatedRows) === 0) return undefined;
      const row = await trx.selectFrom('owner_reconcile_runs').selectAll().where('id', '=', runId).executeTakeFirstOrThrow();
      return { cursor: row.cursor, checked: Number(row.checked), offboarded: Number(row.offboarded) };
    });
  }

  async ownersAfter(after: string | null, now: Date, limit: number): Promise<string[]> {
    const rows = await backgroundStatement(this.connection, (db) => {
      let query = db
        .selectFrom('access_keys')
        .select('owner_id')
        .distinct()
        .where('status', '=', 'active')
        .where('delivered_at', 'is not', null)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now.toISOString())]));
      if (after !== null) query = query.where('owner_id', '>', after);
      return query.orderBy('owner_id').limit(limit).execute();
    });
    return rows.map((r) => r.owner_id);
  }

  async advance(runId: string, progress: ReconcileProgress, now: Date, leaseMs: number): Promise<boolean> {
    const result = await backgroundStatement(this.connection, (db) =>
      db
        .updateTable('owner_reconcile_runs')
        .set({
          cursor: progress.cursor,
          checked: progress.checked,
          offboarded: progress.offboarded,
          claimed_until: new Date(now.getTime() + leaseMs).toISOString(),
        })
        .where('id', '=', runId)
        .where('finished_at', 'is', null)
        .where('claimed_until', '>', now.toISOString())
        .executeTakeFirst(),
    );
    return Number(result.numUpdatedRows) > 0;
  }

  async finish(runId: string, progress: ReconcileProgress, now: Date): Promise<void> {
    await backgroundStatement(this.connection, (db) =>
      db
        .updateTable('owner_reconcile_runs')
        .set({ cursor: progress.cursor, checked: progress.checked, offboarded: progress.offboarded, finished_at: now.toISOString() })
        .where('id', '=', runId)
        .execute(),
    );
  }
}
