import type { Kysely } from 'kysely';

/**
 * Event streams for SIEMs (docs/streams.md): one row per stream, holding its own cursor into audit_log.
 * The cursor is the per-stream outbox: everything with seq > cursor_seq is still to be delivered, in
 * seq order. A lease (claimed_until, claim_token) gives one replica the stream at a time; the cursor only
 * moves by compare-and-set, so no seq is skipped and a replayed stream is never moved forward by a
 * delivery that started before the replay.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('audit_streams')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    // 'webhook' | 'syslog'
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    // 'json' | 'cloudevents' | 'cloudevents-batch' | 'ocsf'
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('action_prefix', 'text')
    // 'unverified' (webhook before its challenge) | 'active' | 'paused'
    .addColumn('state', 'text', (c) => c.notNull())
    // AES-256-GCM of the webhook's whsec_ secret; never logged, never audited.
    .addColumn('secret_enc', 'text')
    // PEM of the CA a syslog-over-TLS stream trusts (null: the system's).
    .addColumn('tls_ca', 'text')
    .addColumn('cursor_seq', 'bigint', (c) => c.notNull().defaultTo(0))
    // Set while a batch is being attempted, so a retry sends exactly the same records (stable ids).
    .addColumn('batch_end_seq', 'bigint')
    .addColumn('claimed_until', 'text')
    .addColumn('claim_token', 'text')
    .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('last_error_at', 'text')
    .addColumn('failing_alerted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_delivered_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('audit_streams').execute();
}
