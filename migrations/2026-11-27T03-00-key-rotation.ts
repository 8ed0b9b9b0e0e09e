import type { Kysely } from 'kysely';

/** A rotated key points at its successor: it cannot be rotated twice, and its owner is not warned about it. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('access_keys').addColumn('rotated_to', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('access_keys').dropColumn('rotated_to').execute();
}
