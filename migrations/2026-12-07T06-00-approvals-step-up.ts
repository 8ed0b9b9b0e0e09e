import type { Kysely } from 'kysely';

/**
 * Approvals that hold up (docs/admin-security.md): the approvals a request has gathered so far and how
 * many it needs; second-admin confirmations of other sensitive changes; admins' TOTP enrolments.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // JSON array of {by, at}: one entry per distinct admin, appended under the write lock.
  await db.schema.alterTable('access_requests').addColumn('approvals', 'text').execute();
  await db.schema
    .alterTable('access_requests')
    .addColumn('approvals_required', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema
    .createTable('dual_control')
    // What is being confirmed, e.g. `assign_admin:U123` or `mfa_reset:U123`.
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('approver_id', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('dual_control_pk', ['subject', 'approver_id'])
    .execute();
  await db.schema
    .createTable('mfa_enrolments')
    .addColumn('user_id', 'text', (c) => c.primaryKey())
    // AES-256-GCM under MFA_ENCRYPTION_KEY: `v1.<iv>.<tag>.<ciphertext>`, base64url parts.
    .addColumn('secret_enc', 'text', (c) => c.notNull())
    // pending (until the first code confirms it) → active.
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('confirmed_at', 'text')
    // The last TOTP time step accepted: a code of that step or earlier is refused (no reuse).
    .addColumn('last_step', 'bigint')
    .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locked_until', 'text')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('mfa_enrolments').execute();
  await db.schema.dropTable('dual_control').execute();
  await db.schema.alterTable('access_requests').dropColumn('approvals_required').execute();
  await db.schema.alterTable('access_requests').dropColumn('approvals').execute();
}
