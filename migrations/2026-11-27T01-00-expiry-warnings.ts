import { sql, type Kysely } from 'kysely';

/**
 * Frozen in time (no app types). Background delivery state for R9 audit (the mirror) and the expiry warnings (docs/rules.md)
 * (expiry warnings), portable on SQLite and PostgreSQL.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per (key, threshold, expiry): the durable "warned once" marker and the DM queue in one.
  // The key's expiry is part of the identity, so extending a key gives its new expiry fresh thresholds
  // while the old markers stay as history. No foreign key: a deleted key keeps its history.
  await db.schema
    .createTable('expiry_warnings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('key_id', 'text', (c) => c.notNull())
    // '7d', '1d', … or 'expired'. ("window" is reserved in PostgreSQL.)
    .addColumn('threshold', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('owner_id', 'text', (c) => c.notNull())
    // pending → sent | cancelled | parked; skipped rows were never meant to be sent (catch-up, stale).
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('claimed_until', 'text')
    .addColumn('last_error', 'text')
    .addColumn('channel_id', 'text')
    .addColumn('message_ts', 'text')
    .addColumn('done_at', 'text')
    .execute();
  await db.schema
    .createIndex('expiry_warnings_marker_idx')
    .on('expiry_warnings')
    .columns(['key_id', 'threshold', 'expires_at'])
    .unique()
    .execute();
  await db.schema.createIndex('expiry_warnings_due_idx').on('expiry_warnings').columns(['state', 'next_attempt_at']).execute();

  await db.schema.alterTable('audit_outbox').addColumn('posted_at', 'text').execute();

  // One row shared by every replica's mirror: when the next message to the audit channel may go out
  // (pacing, Retry-After, the circuit breaker), so replicas together stay near Slack's 1 msg/s.
  await db.schema
    .createTable('audit_mirror_gate')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('not_before', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .execute();
  await sql`insert into audit_mirror_gate (id, not_before, reason) values (1, ${'1970-01-01T00:00:00.000Z'}, null)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('audit_mirror_gate').execute();
  await db.schema.alterTable('audit_outbox').dropColumn('posted_at').execute();
  await db.schema.dropTable('expiry_warnings').execute();
}
