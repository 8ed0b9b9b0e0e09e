import { Migrator } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrations } from '../../migrations/index.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/db.js';
import { makeServices } from '../support/domain.js';

describe.each(dialects)('the secret-delivery migration (%s)', (dialect) => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase(dialect);
  });
  afterEach(async () => db.cleanup());

  it('rolls back and forward, and keys that existed before it count as delivered (at their creation)', async () => {
    const { services } = await makeServices(db.store, { admins: ['UADMIN'] });
    const created = await services.keys.create('UADMIN', { name: 'older', expiry: { kind: 'never' } });
    if (!created.created) throw new Error('not created');
    const migrator = new Migrator({ db: db.connection.db, provider: { getMigrations: async () => migrations } });
    // Back to the last migration before it (every later one rolls back on the way), then forward again.
    const before =
      Object.keys(migrations)
        .filter((name) => name < '2026-12-01T01-00-secret-delivery')
        .sort()
        .at(-1) ?? '';
    const later = Object.keys(migrations)
      .filter((name) => name >= '2026-12-01T01-00-secret-delivery')
      .sort();
    const down = await migrator.migrateTo(before);
    expect(down.error).toBeUndefined();
    expect(down.results?.map((r) => r.migrationName).sort()).toEqual(later);
    expect(await migrateToLatest(db.connection.db)).toEqual(later);
    const key = await db.store.read.keys.findById(created.key.id);
    expect(key?.deliveredAt).toBe(key?.createdAt);
    expect((await services.keys.verify(created.secret)).valid).toBe(true);
  });
});
