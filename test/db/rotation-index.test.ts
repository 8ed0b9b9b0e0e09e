import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, dialects, type TestDatabase } from '../support/db.js';

describe.each(dialects)('the rotated_to index (%s)', (dialect) => {
  let db: TestDatabase;
  afterEach(async () => db.cleanup());

  it('exists, covers only keys in a rotation, and serves the lookup a delete makes', async () => {
    db = await createTestDatabase(dialect);
    const kysely = db.connection.db;
    if (dialect === 'sqlite') {
      const plan = await sql<{
        detail: string;
      }>`explain query plan select id from access_keys where rotated_to = ${'ak_successor'}`.execute(kysely);
      expect(plan.rows.map((row) => row.detail).join(' ')).toContain('access_keys_rotated_to_idx');
    } else {
      const found = await sql<{ indexdef: string }>`select indexdef from pg_indexes where indexname = 'access_keys_rotated_to_idx'`.execute(
        kysely,
      );
      expect(found.rows[0]?.indexdef).toMatch(/\(rotated_to\) WHERE \(rotated_to IS NOT NULL\)/);
    }
  });
});
