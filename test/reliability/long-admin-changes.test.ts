import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Services } from '../../src/domain/services.js';
import { bulkKeyId, insertKeysDirectly } from '../support/background.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/db.js';
import { makeServices } from '../support/domain.js';

/**
 * An interactive request's database work gets 2 s (README, "PostgreSQL and several replicas"). A role
 * deletion is one transaction with a handful of statements per key and per member, so a role of a few
 * hundred keys needs longer than that; the button is acknowledged first and the outcome goes to the
 * response_url, so it may take it. Before, it was refused with "try again" every time on PostgreSQL.
 */
const KEYS = 400;

describe.each(dialects)('admin changes that touch many keys at once, on %s', (dialect) => {
  let db: TestDatabase;
  let services: Services;
  beforeEach(async () => {
    db = await createTestDatabase(dialect);
    ({ services } = await makeServices(db.store, { admins: ['UADMIN'] }));
  });
  afterEach(async () => db.cleanup());

  it(`deleting a role with ${KEYS} keys of ${KEYS / 2} owners completes: every key gone and audited, one intact chain`, async () => {
    const role = await services.roles.create('UADMIN', { name: 'Data Science', maxKeys: 2 });
    const now = new Date().toISOString();
    await insertKeysDirectly(
      db.connection,
      role.id,
      Array.from({ length: KEYS }, (_, i) => ({ id: bulkKeyId(i), ownerId: `UBULK${Math.floor(i / 2)}`, expiresAt: null, createdAt: now })),
    );
    const started = performance.now();
    const impact = await services.roles.delete('UADMIN', { name: 'Data Science' });
    console.log(`${dialect}: role deletion of ${KEYS} keys took ${Math.round(performance.now() - started)} ms`);
    expect(impact.keys).toHaveLength(KEYS);
    expect(await db.store.read.keys.countAll({})).toBe(0);
    const deletions = (await services.audit.search({ limit: KEYS + 10 })).filter((r) => r.action === 'key.deleted_by_role_deletion');
    expect(deletions).toHaveLength(KEYS);
    expect(await services.audit.verifyChain()).toMatchObject({ ok: true });
  }, 60_000);
});
