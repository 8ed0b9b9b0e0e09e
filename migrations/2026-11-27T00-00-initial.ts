import { sql, type Kysely } from 'kysely';

/**
 * Frozen in time: this file must keep producing the same schema forever, so it uses no app types.
 * Portable on SQLite and PostgreSQL: text ids made by the app, ISO-8601 UTC text timestamps (they sort
 * correctly as text on both), integers for booleans and counters.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('roles')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_lower', 'text', (c) => c.notNull().unique())
    .addColumn('max_keys', 'integer', (c) => c.notNull())
    .addColumn('builtin', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('active_role_id', 'text', (c) => c.references('roles.id').onDelete('set null'))
    .addColumn('api_access', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('user_roles')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role_id', 'text', (c) => c.notNull().references('roles.id').onDelete('cascade'))
    .addColumn('assigned_at', 'text', (c) => c.notNull())
    .addColumn('assigned_by', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('user_roles_pk', ['user_id', 'role_id'])
    .execute();
  await db.schema.createIndex('user_roles_role_idx').on('user_roles').column('role_id').execute();

  await db.schema
    .createTable('access_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_lower', 'text', (c) => c.notNull())
    .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('role_id', 'text', (c) => c.notNull().references('roles.id'))
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    // 1 = SHA-256, 2 = HMAC-SHA256 with KEY_HASH_PEPPER: lets a later scheme coexist with old keys.
    .addColumn('hash_version', 'integer', (c) => c.notNull())
    .addColumn('secret_start', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .addColumn('last_used_ip', 'text')
    // Set by the Slack layer from the view/trigger that asked for the key: a replayed submission finds it.
    .addColumn('request_id', 'text', (c) => c.unique())
    .execute();
  await db.schema
    .createIndex('access_keys_owner_role_name_idx')
    .on('access_keys')
    .columns(['owner_id', 'role_id', 'name_lower'])
    .unique()
    .execute();
  await db.schema.createIndex('access_keys_role_idx').on('access_keys').column('role_id').execute();
  await db.schema.createIndex('access_keys_expires_idx').on('access_keys').column('expires_at').execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('seq', 'integer', (c) => c.primaryKey())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text')
    .addColumn('key_name', 'text')
    .addColumn('owner_id', 'text')
    .addColumn('role_name', 'text')
    .addColumn('expires_at', 'text')
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_log_at_idx').on('audit_log').column('at').execute();
  await db.schema.createIndex('audit_log_key_idx').on('audit_log').column('key_id').execute();
  await db.schema.createIndex('audit_log_owner_idx').on('audit_log').column('owner_id').execute();
  await db.schema.createIndex('audit_log_actor_idx').on('audit_log').column('actor_id').execute();

  // One row: the chain head. Writers lock it (PostgreSQL) or hold the write lock (SQLite), which keeps
  // the hash chain linear and serialises audited changes.
  await db.schema
    .createTable('audit_head')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  await sql`insert into audit_head (id, seq, hash) values (1, 0, ${'0'.repeat(64)})`.execute(db);

  // The outbox for the security-channel mirror: delivery state is kept apart so audit_log stays append-only.
  await db.schema
    .createTable('audit_outbox')
    .addColumn('seq', 'integer', (c) => c.primaryKey().references('audit_log.seq'))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('claimed_until', 'text')
    .addColumn('last_error', 'text')
    .addColumn('message_ts', 'text')
    .execute();
  await db.schema.createIndex('audit_outbox_due_idx').on('audit_outbox').columns(['state', 'next_attempt_at']).execute();

  await db.schema
    .createTable('app_settings')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['app_settings', 'audit_outbox', 'audit_head', 'audit_log', 'access_keys', 'user_roles', 'users', 'roles']) {
    await db.schema.dropTable(table).execute();
  }
}
