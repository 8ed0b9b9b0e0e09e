import type { Db } from './db.js';

/** `app_settings`: every read and write of it goes through here. */

export async function get(db: Db, name: string): Promise<string | undefined> {
  const row = await db.selectFrom('app_settings').select('value').where('name', '=', name).executeTakeFirst();
  return row?.value;
}

export async function set(db: Db, name: string, value: string): Promise<void> {
  await db
    .insertInto('app_settings')
    .values({ name, value })
    .onConflict((oc) => oc.column('name').doUpdateSet({ value }))
    .execute();
}

export async function remove(db: Db, name: string): Promise<void> {
  await db.deleteFrom('app_settings').where('name', '=', name).execute();
}
