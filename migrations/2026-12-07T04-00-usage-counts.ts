import type { Kysely } from 'kysely';

/**
 * Per-key usage counters (SPEC §15, docs/usage-analytics.md): one row per (key, hour, dimension, label,
 * outcome), added to by an upsert from every replica's write-behind buffer, so replicas add up. The
 * dimension is `all` (label ''), `network` (a /24 or /48) or `tag` (a verify tag). Rows older than
 * USAGE_RETENTION are pruned by the API's flusher.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('usage_counts')
    .addColumn('key_id', 'text', (c) => c.notNull())
    // floor(epoch ms / 3,600,000): the hour's number, the same on every replica.
    .addColumn('hour', 'integer', (c) => c.notNull())
    .addColumn('dimension', 'text', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('usage_counts_pk', ['key_id', 'hour', 'dimension', 'label', 'outcome'])
    .execute();
  await db.schema.createIndex('usage_counts_hour_idx').on('usage_counts').column('hour').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('usage_counts').execute();
}
