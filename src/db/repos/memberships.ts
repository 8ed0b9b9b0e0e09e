import type { Role } from '../../domain/model.js';
import { compiledOnce } from './compiled.js';
import type { Db } from './db.js';
import { toRole } from './rows.js';

/** `user_roles`: who holds which role. */

const rolesOfUser = compiledOnce('memberships.rolesOf', (db, userId: string) =>
  db
    .selectFrom('user_roles')
    .innerJoin('roles', 'roles.id', 'user_roles.role_id')
    .selectAll('roles')
    .where('user_roles.user_id', '=', userId)
    .orderBy('roles.name_lower'),
);

export async function rolesOf(db: Db, userId: string): Promise<Role[]> {
  return (await db.executeQuery(rolesOfUser(db, userId))).rows.map(toRole);
}

export async function has(db: Db, userId: string, roleId: string): Promise<boolean> {
  const row = await db
    .selectFrom('user_roles')
    .select('role_id')
    .where('user_id', '=', userId)
    .where('role_id', '=', roleId)
    .executeTakeFirst();
  return row !== undefined;
}

export async function add(db: Db, userId: string, roleId: string, assignedBy: string, at: string): Promise<void> {
  await db
    .insertInto('user_roles')
    .values({ user_id: userId, role_id: roleId, assigned_by: assignedBy, assigned_at: at })
    .onConflict((oc) => oc.columns(['user_id', 'role_id']).doNothing())
    .execute();
}

export async function remove(db: Db, userId: string, roleId: string): Promise<void> {
  await db.deleteFrom('user_roles').where('user_id', '=', userId).where('role_id', '=', roleId).execute();
}

export async function memberIds(db: Db, roleId: string): Promise<string[]> {
  const rows = await db.selectFrom('user_roles').select('user_id').where('role_id', '=', roleId).orderBy('user_id').execute();
  return rows.map((r) => r.user_id);
}
