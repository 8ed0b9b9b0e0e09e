import type { Kysely } from 'kysely';

/**
 * Leak response (SPEC §12): one row per leaked key. Its sightings are counted here (each one is also its
 * own `key.leaked` audit record), and the security channel's one card for the key is found by
 * `card_channel`/`card_ts`. `card_queued` = 1 while a post or update of the card waits in the
 * notification outbox, so a burst of sightings queues one update at a time, never one per message.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('key_leaks')
    .addColumn('key_id', 'text', (c) => c.primaryKey().references('access_keys.id').onDelete('cascade'))
    .addColumn('sightings', 'integer', (c) => c.notNull())
    .addColumn('first_at', 'text', (c) => c.notNull())
    .addColumn('last_at', 'text', (c) => c.notNull())
    .addColumn('last_source', 'text', (c) => c.notNull())
    .addColumn('last_location', 'text')
    .addColumn('inactivated', 'integer', (c) => c.notNull())
    .addColumn('card_channel', 'text')
    .addColumn('card_ts', 'text')
    .addColumn('card_queued', 'integer', (c) => c.notNull())
    // null while open; 'kept_inactive' or 'false_positive' once an admin decided, with who.
    .addColumn('resolution', 'text')
    .addColumn('resolved_by', 'text')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('key_leaks').execute();
}
