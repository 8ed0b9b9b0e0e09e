import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DueKey } from '../domain/expiry.js';
import type { ExpiryWarningStore, QueuedWarning, WarningMarker, WarningMarks } from '../domain/expiry-ports.js';
import type { Repos } from '../domain/ports.js';
import { backgroundStatement, backgroundTransaction } from './background-tx.js';
import type { Connection } from './connect.js';
import { KyselyRepos } from './repos.js';
import type { Database } from './tables.js';

/** app_settings row: the instant up to which a finished run evaluated every threshold. */
const EVALUATED_UNTIL = 'expiry_warnings.evaluated_until';

// A rotated key counts as not active here: its owner already has the successor, so no warnings.
const toDueKey = (row: { id: string; name: string; owner_id: string; role_id: string; status: string; expires_at: string | null; created_at: string; rotated_to: string | null }): DueKey[] =>
  row.expires_at === null
    ? []
    : [{ id: row.id, name: row.name, ownerId: row.owner_id, roleId: row.role_id, status: row.rotated_to === null ? row.status : 'rotated', expiresAt: row.expires_at, createdAt: row.created_at }];

const KEY_COLUMNS = ['id', 'name', 'owner_id', 'role_id', 'status', 'expires_at', 'created_at', 'rotated_to'] as const;

type AuditedWrite = <T>(fn: (trx: Transaction<Database>) => Promise<T>) => Promise<T>;

/**
 * Keys expiring in (after, until] without a marker for `threshold` at their current expiry, soonest
 * first. A range on access_keys_expires_idx plus one probe of the marker index per key in range.
 * Exported so tests can EXPLAIN it.
 */
export function unmarkedKeysQuery(db: Kysely<Database>, threshold: string, range: { after: string | null; until: string }, limit: number) {
  const after = range.after;
  return db
    .selectFrom('access_keys as k')
    .select(['k.id', 'k.name', 'k.owner_id', 'k.role_id', 'k.status', 'k.expires_at', 'k.created_at', 'k.rotated_to'])
    .where('k.expires_at', '<=', range.until)
    .$if(after !== null, (q) => q.where('k.expires_at', '>', after ?? ''))
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('expiry_warnings as w')
            .select(sql<number>`1`.as('one'))
            .whereRef('w.key_id', '=', 'k.id')
            .where('w.threshold', '=', threshold)
            .whereRef('w.expires_at', '=', 'k.expires_at'),
        ),
      ),
    )
    .orderBy('k.expires_at')
    .orderBy('k.id')
    .limit(limit);
}

class KyselyWarningMarks implements WarningMarks {
  constructor(private readonly trx: Transaction<Database>) {}

  async currentKeys(ids: readonly string[]): Promise<Map<string, DueKey>> {
    if (ids.length === 0) return new Map();
    const rows = await this.trx.selectFrom('access_keys').select([...KEY_COLUMNS]).where('id', 'in', [...ids]).execute();
    return new Map(rows.flatMap(toDueKey).map((key) => [key.id, key]));
  }

  async markedThresholds(keys: ReadonlyArray<{ id: string; expiresAt: string }>): Promise<Map<string, Set<string>>> {
    const marked = new Map<string, Set<string>>(keys.map((k) => [k.id, new Set<string>()]));
    if (keys.length === 0) return marked;
    const expiryOf = new Map(keys.map((k) => [k.id, k.expiresAt]));
    const rows = await this.trx
      .selectFrom('expiry_warnings')
      .select(['key_id', 'threshold', 'expires_at'])
      .where('key_id', 'in', keys.map((k) => k.id))
      .execute();
    for (const row of rows) if (expiryOf.get(row.key_id) === row.expires_at) marked.get(row.key_id)?.add(row.threshold);
    return marked;
  }

  async mark(markers: readonly WarningMarker[]): Promise<WarningMarker[]> {
    if (markers.length === 0) return [];
    // The unique (key_id, threshold, expires_at) index decides: of two replicas marking the same
    // threshold, exactly one insert returns the row; the other does nothing and queues nothing.
    const inserted = await this.trx
      .insertInto('expiry_warnings')
      .values(
        markers.map((marker) => ({
          id: randomUUID(),
          key_id: marker.keyId,
          threshold: marker.threshold,
          expires_at: marker.expiresAt,
          owner_id: marker.ownerId,
          state: marker.state,
          created_at: marker.at,
          attempts: 0,
          next_attempt_at: marker.at,
          claimed_until: null,
          last_error: marker.note ?? null,
          done_at: marker.state === 'skipped' ? marker.at : null,
        })),
      )
      .onConflict((oc) => oc.columns(['key_id', 'threshold', 'expires_at']).doNothing())
      .returning(['key_id', 'threshold', 'expires_at'])
      .execute();
    const won = new Set(inserted.map((row) => `${row.key_id}|${row.threshold}|${row.expires_at}`));
    return markers.filter((m) => won.has(`${m.keyId}|${m.threshold}|${m.expiresAt}`));
  }
}

/** Expiry-warning markers and the DM queue they double as (table `expiry_warnings`). */
export class KyselyExpiryWarnings implements ExpiryWarningStore {
  constructor(
    private readonly connection: Connection,
    private readonly writeAudited: AuditedWrite,
  ) {}

  async evaluatedUntil(): Promise<string | undefined> {
    const row = await backgroundStatement(this.connection, (db) => db.selectFrom('app_settings').select('value').where('name', '=', EVALUATED_UNTIL).executeTakeFirst());
    return row?.value;
  }

  async setEvaluatedUntil(value: string): Promise<void> {
    await backgroundStatement(this.connection, (db) =>
      db
        .insertInto('app_settings')
        .values({ name: EVALUATED_UNTIL, value })
        .onConflict((oc) => oc.column('name').doUpdateSet({ value }))
        .execute(),
    );
  }

  async findUnmarkedKeys(threshold: string, range: { after: string | null; until: string }, limit: number): Promise<DueKey[]> {
    const rows = await backgroundStatement(this.connection, (db) => unmarkedKeysQuery(db, threshold, range, limit).execute());
    return rows.flatMap(toDueKey);
  }

  write<T>(fn: (tx: Repos, marks: WarningMarks) => Promise<T>): Promise<T> {
    return this.writeAudited((trx) => fn(new KyselyRepos(trx), new KyselyWarningMarks(trx)));
  }

  async claim(request: { now: Date; leaseMs: number; maxItems: number }): Promise<QueuedWarning[]> {
    const nowIso = request.now.toISOString();
    return backgroundTransaction(this.connection, async (trx) => {
      const rows = await trx
        .selectFrom('expiry_warnings')
        .select(['id', 'key_id', 'threshold', 'expires_at', 'owner_id', 'attempts'])
        .where('state', '=', 'pending')
        .where('next_attempt_at', '<=', nowIso)
        .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<=', nowIso)]))
        .orderBy('next_attempt_at')
        .orderBy('id')
        .limit(request.maxItems)
        .$if(this.connection.dialect === 'postgres', (q) => q.forUpdate().skipLocked())
        .execute();
      if (rows.length === 0) return [];
      const until = new Date(request.now.getTime() + request.leaseMs).toISOString();
      await trx.updateTable('expiry_warnings').set({ claimed_until: until }).where('id', 'in', rows.map((row) => row.id)).execute();
      return rows.map((row) => ({ id: row.id, keyId: row.key_id, threshold: row.threshold, expiresAt: row.expires_at, ownerId: row.owner_id, attempts: Number(row.attempts) }));
    });
  }

  async markSent(id: string, delivery: { channelId: string; ts: string }, now: Date): Promise<void> {
    await backgroundStatement(this.connection, (db) =>
      db
        .updateTable('expiry_warnings')
        .set({ state: 'sent', channel_id: delivery.channelId, message_ts: delivery.ts, done_at: now.toISOString(), claimed_until: null })
        .where('id', '=', id)
        .execute(),
    );
  }

  async cancel(id: string, reason: string, now: Date): Promise<void> {
    await backgroundStatement(this.connection, (db) =>
      db.updateTable('expiry_warnings').set({ state: 'cancelled', last_error: reason, done_at: now.toISOString(), claimed_until: null }).where('id', '=', id).execute(),
    );
  }

  async release(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await backgroundStatement(this.connection, (db) =>
      db.updateTable('expiry_warnings').set({ claimed_until: null }).where('id', 'in', [...ids]).where('state', '=', 'pending').execute(),
    );
  }

  async recordFailure(id: string, failure: { error: string; retryAt: Date | null }, now: Date): Promise<void> {
    const parked = failure.retryAt === null;
    await backgroundStatement(this.connection, (db) =>
      db
        .updateTable('expiry_warnings')
        .set((eb) => ({
          attempts: eb('attempts', '+', 1),
          last_error: failure.error,
          claimed_until: null,
          state: parked ? 'parked' : 'pending',
          next_attempt_at: (failure.retryAt ?? now).toISOString(),
          done_at: parked ? now.toISOString() : null,
        }))
        .where('id', '=', id)
        .execute(),
    );
  }

  async backlog(): Promise<{ pending: number; parked: number }> {
    const rows = await backgroundStatement(this.connection, (db) =>
      db
        .selectFrom('expiry_warnings')
        .select(['state', (eb) => eb.fn.countAll().as('n')])
        .where('state', 'in', ['pending', 'parked'])
        .groupBy('state')
        .execute(),
    );
    const count = (state: string) => Number(rows.find((row) => row.state === state)?.n ?? 0);
    return { pending: count('pending'), parked: count('parked') };
  }
}
