import type { Kysely } from 'kysely';

/**
 * The daily owner reconcile (docs/offboarding.md): one row per scheduled run. Its insert is the claim
 * that makes one replica do the run; the lease and cursor let that replica show it is still working
 * and let a later claim of the same run pick up where a crashed one stopped.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('owner_reconcile_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('claimed_until', 'text', (c) => c.notNull())
    .addColumn('cursor', 'text')
    .addColumn('checked', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('offboarded', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('finished_at', 'text')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('owner_reconcile_runs').execute();
}
