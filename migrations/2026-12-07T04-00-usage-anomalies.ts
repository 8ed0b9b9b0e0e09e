import type { Kysely } from 'kysely';

/**
 * Usage anomaly markers (SPEC §15, docs/usage-analytics.md): one row per (key, kind, UTC day) the
 * owner was told about, inserted with ON CONFLICT DO NOTHING in the transaction that queues the
 * notice, so each anomaly is told at most once a day across replicas and restarts.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('usage_anomalies')
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    // YYYY-MM-DD (UTC).
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('usage_anomalies_pk', ['key_id', 'kind', 'day'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('usage_anomalies').execute();
}
