import type { Kysely } from 'kysely';

/**
 * `rotated_to` is looked up by value whenever a key is deleted (a deleted successor frees its
 * predecessor: `keys.clearRotationsTo`, `keys.findRotatedTo`); without an index each delete scanned the
 * whole table. Partial: only keys in a rotation carry a value.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('access_keys_rotated_to_idx')
    .on('access_keys')
    .column('rotated_to')
    .where((eb) => eb('rotated_to', 'is not', null))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('access_keys_rotated_to_idx').execute();
}
