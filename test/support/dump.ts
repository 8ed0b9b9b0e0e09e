import { sql } from 'kysely';
import type { TestDatabase } from './db.js';

/** Every row of every table of the app, by table name. */
export async function rowsByTable(db: TestDatabase): Promise<Map<string, Record<string, unknown>[]>> {
  const { db: kysely } = db.connection;
  const listed =
    db.dialect === 'sqlite'
      ? await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(kysely)
      : await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = 'public'`.execute(kysely);
  const byTable = new Map<string, Record<string, unknown>[]>();
  for (const { name } of [...listed.rows].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    byTable.set(name, (await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(kysely)).rows);
  }
  return byTable;
}

/** Every row of every table of the app, as text: for "the secret is in no database row" checks. */
export async function dumpAllRows(db: TestDatabase): Promise<{ tables: string[]; text: string; rows: number }> {
  const byTable = await rowsByTable(db);
  let text = '';
  let rows = 0;
  for (const tableRows of byTable.values()) {
    rows += tableRows.length;
    text += `${JSON.stringify(tableRows)}\n`;
  }
  return { tables: [...byTable.keys()], text, rows };
}
