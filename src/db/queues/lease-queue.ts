import { sql, type RawBuilder } from 'kysely';
import { backgroundStatement, backgroundTransaction } from '../background-tx.js';
import type { Connection } from '../connect.js';

/**
 * The tables that are lease queues: each has `id`, `state` (pending → sent | cancelled | parked, plus
 * table-specific done states), `attempts`, `next_attempt_at`, `claimed_until`, `last_error` and `done_at`.
 */
export type LeaseTable = 'notification_outbox' | 'expiry_warnings';

type Value = string | number | null;

export interface LeaseClaimRequest {
  now: Date;
  /** How long the claimed rows belong to this worker; a crash is recovered after it. */
  leaseMs: number;
  maxItems: number;
}

/**
 * One lease-queue implementation for every outbox whose rows are sent one by one: a row is claimed by
 * setting `claimed_until` in a short transaction of its own (never inside `Store.write`, which holds the
 * audit chain's lock). On PostgreSQL the claim selects FOR UPDATE SKIP LOCKED, so replicas take
 * different rows; on SQLite the transaction begins IMMEDIATE, which makes select-then-update atomic.
 * A crash leaves the lease to run out and the row is taken again: at most the one row in flight is
 * repeated. Delivered rows are pruned after a retention period.
 *
 * The table name is one of a fixed set (never user input), so it is spliced in with `sql.table`.
 */
export class LeaseQueue<Row> {
  constructor(
    private readonly connection: Connection,
    private readonly table: LeaseTable,
    /** The columns each claimed row carries (besides the queue's own), mapped to the caller's type. */
    private readonly columns: readonly string[],
    private readonly toRow: (raw: Record<string, unknown>) => Row,
  ) {}

  private get t(): RawBuilder<unknown> {
    return sql.table(this.table);
  }

  private ids(ids: readonly string[]): RawBuilder<unknown> {
    return sql.join(ids.map((id) => sql`${id}`));
  }

  /** Leases the oldest due pending rows, skipping rows other replicas hold. */
  async claim(request: LeaseClaimRequest): Promise<Row[]> {
    const nowIso = request.now.toISOString();
    const until = new Date(request.now.getTime() + request.leaseMs).toISOString();
    const lock = this.connection.dialect === 'postgres' ? sql` for update skip locked` : sql``;
    const select = sql.join([...new Set(['id', 'attempts', ...this.columns])].map((c) => sql.ref(c)));
    return backgroundTransaction(this.connection, async (trx) => {
      const found = await sql<Record<string, unknown>>`
        select ${select} from ${this.t}
        where state = 'pending' and next_attempt_at <= ${nowIso} and (claimed_until is null or claimed_until <= ${nowIso})
        order by next_attempt_at, id
        limit ${request.maxItems}${lock}`.execute(trx);
      if (found.rows.length === 0) return [];
      const ids = found.rows.map((row) => String(row.id));
      await sql`update ${this.t} set claimed_until = ${until} where id in (${this.ids(ids)})`.execute(trx);
      return found.rows.map((row) => this.toRow({ ...row, attempts: Number(row.attempts) }));
    });
  }

  /** Done for good ('sent', 'cancelled', or a table's own done state), with any columns it records. */
  async complete(id: string, state: string, now: Date, extra: Record<string, Value> = {}): Promise<void> {
    const sets = [
      sql`state = ${state}`,
      sql`done_at = ${now.toISOString()}`,
      sql`claimed_until = ${null}`,
      ...Object.entries(extra).map(([column, value]) => sql`${sql.ref(column)} = ${value}`),
    ];
    await backgroundStatement(this.connection, (db) => sql`update ${this.t} set ${sql.join(sets)} where id = ${id}`.execute(db));
  }

  /** Hands claimed rows back at once (stopping, or a pause for Slack) instead of letting the lease run out. */
  async release(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await backgroundStatement(this.connection, (db) =>
      sql`update ${this.t} set claimed_until = ${null} where id in (${this.ids(ids)}) and state = 'pending'`.execute(db),
    );
  }

  /** Charges one failed attempt; `retryAt: null` parks the row for good (an operator re-queues it). */
  async recordFailure(id: string, failure: { error: string; retryAt: Date | null }, now: Date): Promise<void> {
    const parked = failure.retryAt === null;
    const nextIso = (failure.retryAt ?? now).toISOString();
    await backgroundStatement(this.connection, (db) =>
      sql`update ${this.t} set attempts = attempts + 1, last_error = ${failure.error}, claimed_until = ${null},
          state = ${parked ? 'parked' : 'pending'}, next_attempt_at = ${nextIso}, done_at = ${parked ? now.toISOString() : null}
          where id = ${id}`.execute(db),
    );
  }

  async backlog(): Promise<{ pending: number; parked: number }> {
    const rows = await backgroundStatement(this.connection, (db) =>
      sql<{
        state: string;
        n: number | string;
      }>`select state, count(*) as n from ${this.t} where state in ('pending', 'parked') group by state`.execute(db),
    );
    const count = (state: string) => Number(rows.rows.find((row) => row.state === state)?.n ?? 0);
    return { pending: count('pending'), parked: count('parked') };
  }

  /**
   * Deletes rows finished (any state but pending and parked) before `cutoff`, at most `limit` per call.
   * `keep` adds a condition a row must fail to be deleted (e.g. a marker that still guards something).
   */
  async prune(cutoff: Date, limit: number, keep?: RawBuilder<unknown>): Promise<number> {
    const cutoffIso = cutoff.toISOString();
    const guard = keep === undefined ? sql`` : sql` and not (${keep})`;
    return backgroundTransaction(this.connection, async (trx) => {
      const victims = await sql<{ id: string }>`
        select id from ${this.t} where state not in ('pending', 'parked') and done_at is not null and done_at < ${cutoffIso}${guard}
        order by done_at limit ${limit}`.execute(trx);
      if (victims.rows.length === 0) return 0;
      await sql`delete from ${this.t} where id in (${this.ids(victims.rows.map((r) => r.id))})`.execute(trx);
      return victims.rows.length;
    });
  }
}
