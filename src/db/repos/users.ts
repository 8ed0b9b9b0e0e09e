import type { User } from '../../domain/model.js';
import { compiledOnce } from './compiled.js';
import type { Db } from './db.js';
import { toUser } from './rows.js';

/** `users`. */

const userById = compiledOnce('users.find', (db, id: string) => db.selectFrom('users').selectAll().where('id', '=', id));

export async function find(db: Db, id: string): Promise<User | undefined> {
  const row = (await db.executeQuery(userById(db, id))).rows[0];
  return row && toUser(row);
}

export async function insert(db: Db, user: User): Promise<void> {
  await db
    .insertInto('users')
    .values({ id: user.id, active_role_id: user.activeRoleId, api_access: user.apiAccess ? 1 : 0, created_at: user.createdAt })
    .execute();
}

export async function update(db: Db, id: string, patch: Partial<Pick<User, 'activeRoleId' | 'apiAccess'>>): Promise<void> {
  const values: { active_role_id?: string | null; api_access?: number } = {};
  if (patch.activeRoleId !== undefined) values.active_role_id = patch.activeRoleId;
  if (patch.apiAccess !== undefined) values.api_access = patch.apiAccess ? 1 : 0;
  if (Object.keys(values).length === 0) return;
  await db.updateTable('users').set(values).where('id', '=', id).execute();
}
