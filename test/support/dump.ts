import { sql } from 'kysely';
import type { TestDatabase } from './db.js';

/** Every row of every table of the app, as text: for "the secret is in no database row" checks. */
export async function dumpAllRows(db: TestDatabase): Promise<{ tables: string[]; text: string; rows: number }> {
  const { db: kysely } = db.connection;
  const listed =
    db.dialect === 'sqlite'
      ? await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(kysely)
      : await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = 'public'`.execute(kysely);
  const tables = listed.rows.map((r) => r.name).sort();
  let text = '';
  let rows = 0;
  for (const table of tables) {
    const result = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(kysely);
    rows += result.rows.length;
    text += `${JSON.stringify(result.rows)}\n`;
  }
  return { tables, text, rows };
}
