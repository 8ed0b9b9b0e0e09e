import type { Kysely } from 'kysely';

/**
 * Access-review campaigns (docs/offboarding.md, "Access reviews"): one row per campaign, one per key in
 * its scope. An item's decision is written once (the update that finds it undecided) in the same
 * audited transaction as its `review.decided` record, whose seq the item keeps for the export. The
 * campaign's `reminded_at` and `closed_at` are the markers that make the reminder and the defaults at
 * the deadline happen once across replicas and restarts.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('review_campaigns')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('role_name', 'text')
    .addColumn('deadline_at', 'text', (c) => c.notNull())
    .addColumn('remind_at', 'text', (c) => c.notNull())
    .addColumn('default_decision', 'text', (c) => c.notNull())
    .addColumn('reminded_at', 'text')
    .addColumn('closed_at', 'text')
    .execute();
  await db.schema.createIndex('review_campaigns_open_idx').on('review_campaigns').columns(['closed_at', 'deadline_at']).execute();
  await db.schema
    .createTable('review_items')
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('key_name', 'text', (c) => c.notNull())
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('role_name', 'text')
    .addColumn('decision', 'text')
    .addColumn('decided_by', 'text')
    .addColumn('decided_at', 'text')
    .addColumn('reason', 'text')
    .addColumn('audit_seq', 'integer')
    .addPrimaryKeyConstraint('review_items_pk', ['campaign_id', 'key_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('review_items').execute();
  await db.schema.dropIndex('review_campaigns_open_idx').execute();
  await db.schema.dropTable('review_campaigns').execute();
}
