import { sql, type Kysely } from 'kysely';

/**
 * Frozen in time (no app types).
 * - `access_keys.delivered_at`: null until the key's secret reached its owner (the ephemeral message or
 *   the CSV was confirmed sent). Only delivered keys authenticate; a sweep deletes keys left undelivered
 *   (a crash between commit and delivery). Keys that exist already were delivered under the old rules.
 * - `processed_requests`: one row per Slack interaction (view submission, button press) that changed
 *   something, written in the same transaction as the change; the primary key makes a replay a no-op.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('access_keys').addColumn('delivered_at', 'text').execute();
  await sql`update access_keys set delivered_at = created_at`.execute(db);
  await db.schema.createIndex('access_keys_undelivered_idx').on('access_keys').columns(['delivered_at', 'created_at']).execute();

  await db.schema
    .createTable('processed_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('actor_id', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('processed_requests_at_idx').on('processed_requests').column('at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('processed_requests').execute();
  await db.schema.dropIndex('access_keys_undelivered_idx').execute();
  await db.schema.alterTable('access_keys').dropColumn('delivered_at').execute();
}
