import type { Kysely } from 'kysely';

/**
 * Security-team controls:
 * - a lifetime policy per role (null / 0 mean "no policy");
 * - a priority flag on the audit outbox, so a "key reported compromised" record is posted before any backlog.
 * "Compromised" itself is a key status (text column), so it needs no schema change.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('roles').addColumn('policy_max_days', 'integer').execute();
  await db.schema
    .alterTable('roles')
    .addColumn('policy_expiry_required', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('audit_outbox')
    .addColumn('priority', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  // The mirror asks for due priority rows on every claim: almost always none, found through this index.
  await db.schema.createIndex('audit_outbox_priority').on('audit_outbox').columns(['priority', 'state']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('audit_outbox_priority').execute();
  await db.schema.alterTable('audit_outbox').dropColumn('priority').execute();
  await db.schema.alterTable('roles').dropColumn('policy_expiry_required').execute();
  await db.schema.alterTable('roles').dropColumn('policy_max_days').execute();
}
