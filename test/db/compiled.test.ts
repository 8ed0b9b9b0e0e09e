import { afterEach, describe, expect, it } from 'vitest';
import { compiledOnce } from '../../src/db/repos/compiled.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/db.js';

describe.each(dialects)('queries compiled once on %s', (dialect) => {
  let db: TestDatabase;
  afterEach(async () => db.cleanup());

  it('sends the same SQL with each call’s own parameters, and answers as a freshly built query would', async () => {
    db = await createTestDatabase(dialect);
    const kysely = db.connection.db;
    const createdAt = new Date().toISOString();
    await kysely
      .insertInto('roles')
      .values([
        {
          id: 'rol_a',
          name: 'System Admin',
          name_lower: 'system admin',
          max_keys: 2,
          builtin: 1,
          created_at: createdAt,
          policy_expiry_required: 0,
        },
        {
          id: 'rol_b',
          name: 'Account Group Read Only',
          name_lower: 'account group read only',
          max_keys: 2,
          builtin: 1,
          created_at: createdAt,
          policy_expiry_required: 0,
        },
      ])
      .execute();
    let builds = 0;
    const roleNamed = compiledOnce('test.roleNamed', (handle, nameLower: string) => {
      builds += 1;
      return handle.selectFrom('roles').select(['id', 'name']).where('name_lower', '=', nameLower);
    });
    const names = ['system admin', 'account group read only', 'no such role', 'system admin'];
    for (const name of names) {
      const compiled = roleNamed(kysely, name);
      expect(compiled.parameters).toEqual([name]);
      const viaCompiled = (await kysely.executeQuery(compiled)).rows;
      const built = await kysely.selectFrom('roles').select(['id', 'name']).where('name_lower', '=', name).execute();
      expect(viaCompiled).toEqual(built);
    }
    expect(builds).toBe(1);
    expect((await kysely.executeQuery(roleNamed(kysely, 'system admin'))).rows).toHaveLength(1);
  });

  it('refuses a query that binds anything but its parameters, in order, at its first use', async () => {
    db = await createTestDatabase(dialect);
    const kysely = db.connection.db;
    const withConstant = compiledOnce('test.withConstant', (handle, nameLower: string) =>
      handle.selectFrom('roles').select('id').where('name_lower', '=', nameLower).where('max_keys', '>', 0),
    );
    expect(() => withConstant(kysely, 'system admin')).toThrow(/must bind exactly its parameters/);
    const swapped = compiledOnce('test.swapped', (handle, first: string, second: string) =>
      handle.selectFrom('roles').select('id').where('name', '=', second).where('name_lower', '=', first),
    );
    expect(() => swapped(kysely, 'a', 'b')).toThrow(/must bind exactly its parameters/);
  });
});
