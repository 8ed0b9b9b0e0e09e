import type { Role, RolePolicy } from '../../domain/model.js';
import type { Db } from './db.js';
import { toRole } from './rows.js';

/** `roles`. */

export async function findById(db: Db, id: string): Promise<Role | undefined> {
  const row = await db.selectFrom('roles').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toRole(row);
}

export async function findByName(db: Db, name: string): Promise<Role | undefined> {
  const row = await db.selectFrom('roles').selectAll().where('name_lower', '=', name.toLowerCase()).executeTakeFirst();
  return row && toRole(row);
}

export async function list(db: Db): Promise<Role[]> {
  return (await db.selectFrom('roles').selectAll().orderBy('name_lower').execute()).map(toRole);
}

export async function insertIfAbsent(db: Db, role: Role): Promise<boolean> {
  const result = await db
    .insertInto('roles')
    .values({
      id: role.id,
      name: role.name,
      name_lower: role.name.toLowerCase(),
      max_keys: role.maxKeys,
      builtin: role.builtin ? 1 : 0,
      created_at: role.createdAt,
      policy_max_days: role.policy?.maxDays ?? null,
      policy_expiry_required: role.policy?.expiryRequired === true ? 1 : 0,
      permissions: JSON.stringify(role.permissions),
    })
    .onConflict((oc) => oc.column('name_lower').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function remove(db: Db, id: string): Promise<void> {
  await db.deleteFrom('roles').where('id', '=', id).execute();
}

export async function setPolicy(db: Db, roleId: string, policy: RolePolicy): Promise<void> {
  await db
    .updateTable('roles')
    .set({ policy_max_days: policy.maxDays, policy_expiry_required: policy.expiryRequired ? 1 : 0 })
    .where('id', '=', roleId)
    .execute();
}

/** The role's whole permission set (sorted); every key of the role is narrowed by it at its next verify. */
export async function setPermissions(db: Db, roleId: string, permissions: readonly string[]): Promise<void> {
  await db
    .updateTable('roles')
    .set({ permissions: JSON.stringify(permissions) })
    .where('id', '=', roleId)
    .execute();
}
