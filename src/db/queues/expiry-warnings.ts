import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DueKey } from '../../domain/expiry.js';
import type { ExpiryWarningStore, QueuedWarning, WarningMarker, WarningMarks } from '../../domain/expiry-ports.js';
import type { Repos } from '../../domain/ports.js';
import { type AuditedWrite, backgroundStatement } from '../background-tx.js';
import { LeaseQueue } from './lease-queue.js';
import type { Connection } from '../connect.js';
import { reposOver } from '../repos/index.js';
import * as settings from '../repos/settings.js';
import type { Database } from '../tables.js';

/** app_settings row: the instant up to which a finished run evaluated every threshold. */
const EVALUATED_UNTIL = 'expiry_warnings.evaluated_until';

// A rotated key counts as not active here: its owner already has the successor, so no warnings.
const toDueKey = (row: {
  id: string;
  name: string;
  owner_id: string;
  role_id: string;
  status: string;
  expires_at: string | null;
  created_at: string;
  rotated_to: string | null;
}): DueKey[] =>
  row.expires_at === null
    ? []
    : [
        {
          id: row.id,
          name: row.name,
          ownerId: row.owner_id,
          roleId: row.role_id,
          status: row.rotated_to === null ? row.status : 'rotated',
          expiresAt: row.expires_at,
          createdAt: row.created_at,
        },
      ];

const KEY_COLUMNS = ['id', 'name', 'owner_id', 'role_id', 'status', 'expires_at', 'created_at', 'rotated_to'] as const;

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
    const rows = await this.trx
      .selectFrom('access_keys')
      .select([...KEY_COLUMNS])
      .where('id', 'in', [...ids])
      .execute();
    return new Map(rows.flatMap(toDueKey).map((key) => [key.id, key]));
  }

  async markedThresholds(keys: ReadonlyArray<{ id: string; expiresAt: string }>): Promise<Map<string, Set<string>>> {
    const marked = new Map<string, Set<string>>(keys.map((k) => [k.id, new Set<string>()]));
    if (keys.length === 0) return marked;
    const expiryOf = new Map(keys.map((k) => [k.id, k.expiresAt]));
    const rows = await this.trx
      .selectFrom('expiry_warnings')
      .select(['key_id', 'threshold', 'expires_at'])
      .where(
        'key_id',
        'in',
        keys.map((k) => k.id),
      )
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
  /** The DM queue half of the table, on the shared lease-queue implementation. */
  private readonly queue: LeaseQueue<QueuedWarning>;

  constructor(
    private readonly connection: Connection,
    private readonly writeAudited: AuditedWrite,
  ) {
    this.queue = new LeaseQueue(connection, 'expiry_warnings', ['key_id', 'threshold', 'expires_at', 'owner_id'], (row) => ({
      id: String(row.id),
      keyId: String(row.key_id),
      threshold: String(row.threshold),
      expiresAt: String(row.expires_at),
      ownerId: String(row.owner_id),
      attempts: Number(row.attempts),
    }));
  }

  async evaluatedUntil(): Promise<string | undefined> {
    return backgroundStatement(this.connection, (db) => settings.get(db, EVALUATED_UNTIL));
  }

  async setEvaluatedUntil(value: string): Promise<void> {
    await backgroundStatement(this.connection, (db) => settings.set(db, EVALUATED_UNTIL, value));
  }

  async findUnmarkedKeys(threshold: string, range: { after: string | null; until: string }, limit: number): Promise<DueKey[]> {
    const rows = await backgroundStatement(this.connection, (db) => unmarkedKeysQuery(db, threshold, range, limit).execute());
    return rows.flatMap(toDueKey);
  }

  write<T>(fn: (tx: Repos, marks: WarningMarks) => Promise<T>): Promise<T> {
    return this.writeAudited((trx) => fn(reposOver(trx), new KyselyWarningMarks(trx)));
  }

  async claim(request: { now: Date; leaseMs: number; maxItems: number }): Promise<QueuedWarning[]> {
    return this.queue.claim(request);
  }

  async markSent(id: string, delivery: { channelId: string; ts: string }, now: Date): Promise<void> {
    await this.queue.complete(id, 'sent', now, { channel_id: delivery.channelId, message_ts: delivery.ts });
  }

  async cancel(id: string, reason: string, now: Date): Promise<void> {
    await this.queue.complete(id, 'cancelled', now, { last_error: reason });
  }

  async release(ids: readonly string[]): Promise<void> {
    await this.queue.release(ids);
  }

  async recordFailure(id: string, failure: { error: string; retryAt: Date | null }, now: Date): Promise<void> {
    await this.queue.recordFailure(id, failure, now);
  }

  async backlog(): Promise<{ pending: number; parked: number }> {
    return this.queue.backlog();
  }

  /**
   * Markers finished before `cutoff` for an expiry also before it: no later run scans that expiry
   * again, so the marker guards nothing any more. Markers of expiries still ahead are kept.
   */
  async prune(cutoff: Date, limit: number): Promise<number> {
    return this.queue.prune(cutoff, limit, sql`expires_at >= ${cutoff.toISOString()}`);
  }
}
