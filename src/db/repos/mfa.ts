import type { Selectable } from 'kysely';
import type { MfaEnrolment } from '../../domain/model.js';
import type { MfaEnrolmentsTable } from '../tables.js';
import type { Db } from './db.js';

/** `mfa_enrolments`: admins' TOTP enrolments, the secret stored only encrypted. */

const toEnrolment = (row: Selectable<MfaEnrolmentsTable>): MfaEnrolment => ({
  userId: row.user_id,
  secretEnc: row.secret_enc,
  status: row.status === 'active' ? 'active' : 'pending',
  createdAt: row.created_at,
  confirmedAt: row.confirmed_at,
  lastStep: row.last_step === null ? null : Number(row.last_step),
  failures: Number(row.failures),
  lockedUntil: row.locked_until,
});

export async function find(db: Db, userId: string): Promise<MfaEnrolment | undefined> {
  const row = await db.selectFrom('mfa_enrolments').selectAll().where('user_id', '=', userId).executeTakeFirst();
  return row && toEnrolment(row);
}

export async function put(db: Db, enrolment: MfaEnrolment): Promise<void> {
  await db.deleteFrom('mfa_enrolments').where('user_id', '=', enrolment.userId).execute();
  await db
    .insertInto('mfa_enrolments')
    .values({
      user_id: enrolment.userId,
      secret_enc: enrolment.secretEnc,
      status: enrolment.status,
      created_at: enrolment.createdAt,
      confirmed_at: enrolment.confirmedAt,
      last_step: enrolment.lastStep,
      failures: enrolment.failures,
      locked_until: enrolment.lockedUntil,
    })
    .execute();
}

export async function update(
  db: Db,
  userId: string,
  patch: Partial<Pick<MfaEnrolment, 'status' | 'confirmedAt' | 'lastStep' | 'failures' | 'lockedUntil'>>,
): Promise<void> {
  const values: Partial<Omit<MfaEnrolmentsTable, 'user_id'>> = {};
  if (patch.status !== undefined) values.status = patch.status;
  if (patch.confirmedAt !== undefined) values.confirmed_at = patch.confirmedAt;
  if (patch.lastStep !== undefined) values.last_step = patch.lastStep;
  if (patch.failures !== undefined) values.failures = patch.failures;
  if (patch.lockedUntil !== undefined) values.locked_until = patch.lockedUntil;
  if (Object.keys(values).length === 0) return;
  await db.updateTable('mfa_enrolments').set(values).where('user_id', '=', userId).execute();
}

export async function remove(db: Db, userId: string): Promise<void> {
  await db.deleteFrom('mfa_enrolments').where('user_id', '=', userId).execute();
}
