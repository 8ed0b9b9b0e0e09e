import type { Kysely } from 'kysely';

/**
 * Frozen in time (no app types). The user-facing notification outbox (decision DMs, approval cards,
 * reminders, role-deletion DMs, stale-key notices, secret-file deletions), stale-key markers, and the
 * columns that keep "Keep" and approval reminders once-only. Portable on SQLite and PostgreSQL.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // Written in the same transaction as the change it announces; sent after it by a leasing worker.
  await db.schema
    .createTable('notification_outbox')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    // pending → sent | cancelled | parked
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    // Also "not before": a secret file's deletion is queued at upload, due after SECRET_FILE_TTL.
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('claimed_until', 'text')
    .addColumn('last_error', 'text')
    .addColumn('done_at', 'text')
    .execute();
  await db.schema.createIndex('notification_outbox_due_idx').on('notification_outbox').columns(['state', 'next_attempt_at']).execute();
  await db.schema.createIndex('notification_outbox_done_idx').on('notification_outbox').columns(['done_at']).execute();

  // One row per (key, clock start): the "told once" marker of a stale key. A use or "Keep" moves the
  // clock start, so the next stale period gets a marker of its own. No foreign key: history survives.
  await db.schema
    .createTable('stale_key_notices')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('clock_from', 'text', (c) => c.notNull())
    .addColumn('owner_id', 'text', (c) => c.notNull())
    // notified → kept | inactivated | resolved
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('done_at', 'text')
    .execute();
  await db.schema.createIndex('stale_key_notices_marker_idx').on('stale_key_notices').columns(['key_id', 'clock_from']).unique().execute();
  await db.schema.createIndex('stale_key_notices_state_idx').on('stale_key_notices').columns(['state', 'created_at']).execute();

  await db.schema.alterTable('access_keys').addColumn('kept_at', 'text').execute();
  await db.schema.alterTable('access_requests').addColumn('reminded_at', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('access_requests').dropColumn('reminded_at').execute();
  await db.schema.alterTable('access_keys').dropColumn('kept_at').execute();
  await db.schema.dropTable('stale_key_notices').execute();
  await db.schema.dropTable('notification_outbox').execute();
}
