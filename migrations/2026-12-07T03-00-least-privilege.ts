import type { Kysely } from 'kysely';

/**
 * Least-privilege keys (docs/least-privilege.md):
 * - `roles.permissions`: the role's permission strings, a sorted JSON array ('[]' = none yet);
 * - `access_keys.permissions`: the key's chosen subset, a sorted JSON array; null = the role's whole
 *   set, whatever it is at the time (keys made before this migration and through the Prisma API);
 * - `access_keys.networks`: the key's CIDR ranges, a JSON array ('[]' = any address);
 * - `access_keys.network_report_only`: 1 = a call from outside is let through and reported.
 * The verify lookup reads all four in its one query, so checking them costs no database work.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('roles')
    .addColumn('permissions', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
  await db.schema.alterTable('access_keys').addColumn('permissions', 'text').execute();
  await db.schema
    .alterTable('access_keys')
    .addColumn('networks', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
  await db.schema
    .alterTable('access_keys')
    .addColumn('network_report_only', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('access_keys').dropColumn('network_report_only').execute();
  await db.schema.alterTable('access_keys').dropColumn('networks').execute();
  await db.schema.alterTable('access_keys').dropColumn('permissions').execute();
  await db.schema.alterTable('roles').dropColumn('permissions').execute();
}
