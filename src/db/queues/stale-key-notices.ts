import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Repos } from '../../domain/ports.js';
import type { StaleCandidate, StaleKeyStore, StaleNotice, StaleNotices } from '../../domain/stale-key-ports.js';
import { type AuditedWrite, backgroundStatement, backgroundTransaction } from '../background-tx.js';
import type { Connection } from '../connect.js';
import { reposOver } from '../repos/index.js';
import type { Database } from '../tables.js';
import { enqueue } from '../repos/notifications.js';

/**
 * When a key's stale clock started (access_keys_stale_clock_idx indexes exactly this expression: change
 * both together): its last use, or its creation if never used, or the owner's last
 * "Keep" if that is later. ISO-8601 UTC strings compare in time order, so CASE and comparisons work the
 * same on SQLite and PostgreSQL.
 */
const CLOCK_FROM = sql<string>`case when k.kept_at is not null and k.kept_at > coalesce(k.last_used_at, k.created_at) then k.kept_at else coalesce(k.last_used_at, k.created_at) end`;

/**
 * The stale-key check's read (findStaleUnnoticed): active, unexpired, unrotated keys whose clock started at
 * or before `cutoff` with no notice for that clock start, oldest clock first. Ordered by CLOCK_FROM and the
 * id so both databases read it from access_keys_stale_clock_idx instead of every key (a test checks the plan).
 */
export function staleUnnoticedQuery(db: Kysely<Database>, cutoff: Date, now: Date, limit: number) {
  const cutoffIso = cutoff.toISOString();
  return db
    .selectFrom('access_keys as k')
    .select(['k.id', 'k.name', 'k.owner_id', 'k.role_id', CLOCK_FROM.as('clock_from')])
    .where('k.status', '=', 'active')
    .where('k.rotated_to', 'is', null)
    .where((eb) => eb.or([eb('k.expires_at', 'is', null), eb('k.expires_at', '>', now.toISOString())]))
    .where(CLOCK_FROM, '<=', cutoffIso)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('stale_key_notices as n')
            .select(sql<number>`1`.as('one'))
            .whereRef('n.key_id', '=', 'k.id')
            .where('n.clock_from', '=', CLOCK_FROM),
        ),
      ),
    )
    .orderBy(CLOCK_FROM)
    .orderBy('k.id')
    .limit(limit);
}

/**
 * `stale_key_notices`: one marker per (key, stale clock start), whose insert queues the owner's DM in the
 * same transaction, and the audited write that closes a notice.
 */
export class KyselyStaleKeyNotices implements StaleKeyStore {
  constructor(
    private readonly connection: Connection,
    private readonly writeAudited: AuditedWrite,
  ) {}

  /**
   * Active, unexpired, unrotated keys whose stale clock started at or before `cutoff` and that have no
   * notice for that clock start yet, oldest clock first. A range read of access_keys_stale_clock_idx
   * (an index on CLOCK_FROM, then the id: this order), never a scan of every key (SPEC §11: none at
   * start-up); the marker probe uses its unique index.
   */
  async findStaleUnnoticed(cutoff: Date, now: Date, limit: number): Promise<StaleCandidate[]> {
    const rows = await backgroundStatement(this.connection, (db) => staleUnnoticedQuery(db, cutoff, now, limit).execute());
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      ownerId: row.owner_id,
      roleId: row.role_id,
      clockFrom: String(row.clock_from),
    }));
  }

  /**
   * Inserts a notice marker per candidate whose clock is still where the scan saw it, and queues its DM
   * in the same transaction. The unique (key_id, clock_from) index decides between replicas: only the
   * insert that returns the row queues a DM.
   */
  async notice(candidates: readonly StaleCandidate[], now: Date): Promise<number> {
    if (candidates.length === 0) return 0;
    const nowIso = now.toISOString();
    return backgroundTransaction(this.connection, async (trx) => {
      const current = await trx
        .selectFrom('access_keys as k')
        .select(['k.id', CLOCK_FROM.as('clock_from')])
        .where(
          'k.id',
          'in',
          candidates.map((c) => c.id),
        )
        .where('k.status', '=', 'active')
        .execute();
      const clockOf = new Map(current.map((row) => [row.id, String(row.clock_from)]));
      const still = candidates.filter((c) => clockOf.get(c.id) === c.clockFrom);
      if (still.length === 0) return 0;
      const inserted = await trx
        .insertInto('stale_key_notices')
        .values(
          still.map((c) => ({
            id: randomUUID(),
            key_id: c.id,
            clock_from: c.clockFrom,
            owner_id: c.ownerId,
            state: 'notified',
            created_at: nowIso,
            done_at: null,
          })),
        )
        .onConflict((oc) => oc.columns(['key_id', 'clock_from']).doNothing())
        .returning(['key_id', 'clock_from'])
        .execute();
      for (const row of inserted) await enqueue(trx, { kind: 'stale_key.notice', keyId: row.key_id, clockFrom: row.clock_from }, nowIso);
      return inserted.length;
    });
  }

  /** Notices still open (`notified`) that were written at or before `before`: due for auto-inactivation. */
  async noticesDue(before: Date, limit: number): Promise<StaleNotice[]> {
    const rows = await backgroundStatement(this.connection, (db) =>
      db
        .selectFrom('stale_key_notices')
        .select(['id', 'key_id', 'clock_from', 'created_at'])
        .where('state', '=', 'notified')
        .where('created_at', '<=', before.toISOString())
        .orderBy('created_at')
        .limit(limit)
        .execute(),
    );
    return rows.map((row) => ({ id: row.id, keyId: row.key_id, clockFrom: row.clock_from, noticedAt: row.created_at }));
  }

  /** One audited write with the notice markers in the same transaction (the audit chain's lock). */
  write<T>(fn: (tx: Repos, notices: StaleNotices) => Promise<T>): Promise<T> {
    return this.writeAudited((trx) =>
      fn(reposOver(trx), {
        currentClock: async (keyId) => {
          const row = await trx
            .selectFrom('access_keys as k')
            .select(CLOCK_FROM.as('clock_from'))
            .where('k.id', '=', keyId)
            .executeTakeFirst();
          return row === undefined ? undefined : String(row.clock_from);
        },
        close: async (id, state, at) => {
          const done = await trx
            .updateTable('stale_key_notices')
            .set({ state, done_at: at })
            .where('id', '=', id)
            .where('state', '=', 'notified')
            .executeTakeFirst();
          return Number(done.numUpdatedRows) === 1;
        },
      }),
    );
  }

  /**
   * Closed notices finished before `cutoff` whose key no longer exists or has moved on to a later clock
   * start: such a marker can never be matched again. A marker still matching its key's clock is kept,
   * or the key would be noticed twice for the same stale period.
   */
  async pruneNotices(cutoff: Date, limit: number): Promise<number> {
    const cutoffIso = cutoff.toISOString();
    return backgroundTransaction(this.connection, async (trx) => {
      const victims = await trx
        .selectFrom('stale_key_notices as n')
        .leftJoin('access_keys as k', 'k.id', 'n.key_id')
        .select('n.id')
        .where('n.state', '!=', 'notified')
        .where('n.done_at', '<', cutoffIso)
        .where((eb) => eb.or([eb('k.id', 'is', null), eb(CLOCK_FROM, '!=', eb.ref('n.clock_from'))]))
        .limit(limit)
        .execute();
      if (victims.length === 0) return 0;
      await trx
        .deleteFrom('stale_key_notices')
        .where(
          'id',
          'in',
          victims.map((v) => v.id),
        )
        .execute();
      return victims.length;
    });
  }
}
