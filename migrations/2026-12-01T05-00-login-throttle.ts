import type { Kysely } from 'kysely';

/**
 * Failed-attempt counters of the integration API's throttles, shared by every replica: one row per
 * (scope, subject, fixed window), incremented by an upsert. Old windows are pruned by the API's flusher.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('auth_throttle')
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    // floor(epoch ms / window length): the window's number, so every replica lands on the same row.
    .addColumn('window_index', 'bigint', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    // Epoch ms at which the window ends; rows past it are pruned.
    .addColumn('expires_ms', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('auth_throttle_pk', ['scope', 'subject', 'window_index'])
    .execute();
  await db.schema.createIndex('auth_throttle_expires_idx').on('auth_throttle').column('expires_ms').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('auth_throttle').execute();
}
