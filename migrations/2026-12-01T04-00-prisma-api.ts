import type { Kysely } from 'kysely';

/**
 * Frozen in time (no app types). The owner DMs of the Prisma-compatible key API ("your key was created /
 * deleted / made inactive by automation using key ak_…"): queued in the same transaction as the change,
 * sent after commit by a background worker, so a crash or a Slack outage delays a notice but never
 * loses it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('owner_notices')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner_id', 'text', (c) => c.notNull())
    // 'key_created' | 'key_deleted' | 'key_deactivated' | 'key_revoked'
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('key_name', 'text', (c) => c.notNull())
    .addColumn('role_name', 'text')
    // The key the automation used, and on whose behalf it acted (its owner).
    .addColumn('via_key_id', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    // pending → sent | parked
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('claimed_until', 'text')
    .addColumn('last_error', 'text')
    .addColumn('channel_id', 'text')
    .addColumn('message_ts', 'text')
    .addColumn('done_at', 'text')
    .execute();
  await db.schema.createIndex('owner_notices_due_idx').on('owner_notices').columns(['state', 'next_attempt_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('owner_notices').execute();
}
