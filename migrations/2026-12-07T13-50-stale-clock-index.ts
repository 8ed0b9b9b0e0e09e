import { sql, type Kysely } from 'kysely';

/**
 * The stale-key check (run at start-up and on the expiry cron) looks for keys whose stale clock started
 * before a cutoff. The clock is computed (the later of the last "Keep" and the last use, else creation),
 * so no column index served it and every run read the whole of access_keys, 1,000,000 rows in a large
 * workspace, to find nothing. An index on the same expression (then the id, the query's order) makes it
 * a range read of the stale keys only (docs/performance.md, "Memory"). The expression must stay exactly
 * the one in src/db/queues/stale-key-notices.ts (CLOCK_FROM) for either database to use it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index access_keys_stale_clock_idx on access_keys ((case when kept_at is not null and kept_at > coalesce(last_used_at, created_at) then kept_at else coalesce(last_used_at, created_at) end), id)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('access_keys_stale_clock_idx').execute();
}
