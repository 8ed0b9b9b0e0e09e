import type { Kysely } from 'kysely';

/**
 * Keys follow people (docs/offboarding.md):
 * - `deactivated_users`: one row while a person's Slack account is deactivated. Its insert is the
 *   marker that makes an offboarding happen once, whatever replays, replicas or the reconcile job do;
 *   reactivating the account removes it (and gives nothing back).
 * - `offboardings` and `offboarding_keys`: the security channel's card and, per key, what an admin
 *   decided (transfer, delete, keep inactive). The key's name and role are kept, so a deleted key still
 *   shows on the card.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('deactivated_users')
    .addColumn('user_id', 'text', (c) => c.primaryKey())
    .addColumn('deactivated_at', 'text', (c) => c.notNull())
    .addColumn('offboarding_id', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('offboardings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('offboarding_keys')
    .addColumn('offboarding_id', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('key_name', 'text', (c) => c.notNull())
    .addColumn('role_name', 'text')
    .addColumn('last_used_at', 'text')
    .addColumn('last_used_ip', 'text')
    .addColumn('decision', 'text')
    .addColumn('decided_by', 'text')
    .addColumn('decided_at', 'text')
    .addColumn('new_owner_id', 'text')
    .addPrimaryKeyConstraint('offboarding_keys_pk', ['offboarding_id', 'key_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('offboarding_keys').execute();
  await db.schema.dropTable('offboardings').execute();
  await db.schema.dropTable('deactivated_users').execute();
}
