import { afterEach, describe, expect, it } from 'vitest';
import type { Connection } from '../../src/db/connect.js';
import { satisfies, type VerifyResult } from '../../src/domain/keys/verify.js';
import { parsePermissionQuery } from '../../src/domain/permissions.js';
import { createServices, type Services } from '../../src/domain/services.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/db.js';
import { makeServices } from '../support/domain.js';
import { until } from '../support/wait.js';

/**
 * A permission removed from a role is refused by every replica's next verify of its keys, cached or not
 * (docs/least-privilege.md): the role's set is read with the key in verify's one lookup, and the change
 * drops every replica's key cache like any other change (SQLite: data_version; PostgreSQL: NOTIFY).
 */

const OWNER = 'UOWNER';
const ADMIN = 'UADMIN';
const ROLE = 'Account Group Read Only';
const QUERY = parsePermissionQuery('policies.write');

interface Replica {
  services: Services;
  connection: Connection;
}

/** What the verify route answers for the query, asked the way it asks: the cache first, else a read. */
async function answer(services: Services, secret: string): Promise<string> {
  const result: VerifyResult = services.keys.verifyCached(secret) ?? (await services.keys.verify(secret));
  if (!result.valid) return result.code;
  return satisfies(result.key, result.role, QUERY) ? 'valid' : 'INSUFFICIENT_PERMISSIONS';
}

describe.each(dialects)('a permission removed from a role, across replicas, on %s', (dialect) => {
  let db: TestDatabase;
  afterEach(async () => db.cleanup());

  it("is refused by the other replica's next verify of a key it had cached", async () => {
    db = await createTestDatabase(dialect);
    const { services, deps } = await makeServices(db.store, { admins: [ADMIN] });
    await services.access.grant(ADMIN, OWNER);
    await services.roles.changePermissions(ADMIN, { name: ROLE, change: { op: 'add', permissions: ['alerts.read', 'policies.write'] } });
    const created = await services.keys.create(OWNER, { name: 'ci', expiry: { kind: 'never' }, permissions: ['policies.write'] });
    if (!created.created) throw new Error('no key was created');
    const secret = created.secret;

    const { connection, store } = await db.openAnother();
    const other: Replica = { services: createServices({ ...deps, store }), connection };
    // The other replica holds the key in its cache (PostgreSQL: once its listener is up).
    await until(
      async () => (await answer(other.services, secret)) === 'valid' && other.services.keys.verifyCached(secret)?.valid === true,
      'the key to be cached on the other replica',
    );

    await services.roles.changePermissions(ADMIN, { name: ROLE, change: { op: 'remove', permissions: ['policies.write'] } });
    // This replica: at once.
    expect(await answer(services, secret)).toBe('INSUFFICIENT_PERMISSIONS');
    // The other: as soon as it hears of the change (bench:revocation measures how soon; no timing here).
    await until(async () => (await answer(other.services, secret)) === 'INSUFFICIENT_PERMISSIONS', 'the other replica to refuse it');
    // And it never flips back: the key's chosen set no longer meets its role's.
    expect(await answer(other.services, secret)).toBe('INSUFFICIENT_PERMISSIONS');
  });
});
