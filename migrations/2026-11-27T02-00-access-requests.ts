import type { Kysely } from 'kysely';

/** API-access requests (R1, docs/rules.md: approvals): one row per request, decided once. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('access_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('reason', 'text')
    // pending → approved | denied | expired; the transition happens once, under the write lock.
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('decided_at', 'text')
    .addColumn('decided_by', 'text')
    .addColumn('decision_reason', 'text')
    .addColumn('card_channel', 'text')
    .addColumn('card_ts', 'text')
    .execute();
  await db.schema.createIndex('access_requests_user_status_idx').on('access_requests').columns(['user_id', 'status']).execute();
  await db.schema.createIndex('access_requests_status_expires_idx').on('access_requests').columns(['status', 'expires_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('access_requests').execute();
}
