import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { DATA_VERSION_CHECK_MS, type Connection } from '../../src/db/connect.js';
import { LISTENER_APPLICATION_NAME } from '../../src/db/key-change-listener.js';
import { ROTATION_GRACE_MS } from '../../src/domain/keys/rotate.js';
import type { DomainDeps } from '../../src/domain/deps.js';
import type { VerifyResult } from '../../src/domain/keys/verify.js';
import { createServices, type Services } from '../../src/domain/services.js';
import { createTestDatabase, dialects, postgresAdminUrl, type TestDatabase } from '../support/db.js';
import { DAY_MS, makeServices, type TestClock } from '../support/domain.js';
import { until } from '../support/wait.js';

/**
 * The verify path's key cache (src/db/key-cache.ts) never delays a revocation: every change that makes a
 * key unusable is refused by the very next verify in the process that made it, and by other processes
 * (SQLite: another connection to the file; PostgreSQL: another replica with its own pool and listener)
 * as soon as they hear of it.
 */

const OWNER = 'UOWNER';
const ADMIN = 'UADMIN';

interface Replica {
  services: Services;
  connection: Connection;
}

const label = (result: VerifyResult): string => (result.valid ? 'valid' : result.code);

/**
 * The verdict, asked both ways the verify route asks: the synchronous cache answer (taken whenever there
 * is one) must never differ from what a read through the store says.
 */
async function verdict(services: Services, secret: string): Promise<string> {
  const fromCache = services.keys.verifyCached(secret);
  const read = label(await services.keys.verify(secret));
  if (fromCache !== undefined) expect(label(fromCache)).toBe(read);
  return read;
}

/** Verifies until the answer came from a trusted cache (PostgreSQL bypasses it until LISTEN is up). */
async function cached(replica: Replica, secret: string): Promise<void> {
  await until(
    async () => (await verdict(replica.services, secret)) === 'valid' && replica.connection.keyCache.size > 0,
    'the key to be cached',
  );
  // From here on the verify route answers this key without a promise.
  expect(replica.services.keys.verifyCached(secret)?.valid).toBe(true);
}

describe.each(dialects)('key cache and revocation on %s', (dialect) => {
  let db: TestDatabase;
  let services: Services;
  let deps: DomainDeps;
  let clock: TestClock;
  let local: Replica;
  afterEach(async () => db.cleanup());

  async function setUp(): Promise<void> {
    db = await createTestDatabase(dialect);
    ({ services, clock, deps } = await makeServices(db.store, { admins: [ADMIN] }));
    await services.access.grant(ADMIN, OWNER);
    local = { services, connection: db.connection };
  }

  async function newKey(name = 'ci'): Promise<{ id: string; secret: string }> {
    const created = await services.keys.create(OWNER, { name, expiry: { kind: 'never' } });
    if (!created.created) throw new Error('no key was created');
    return { id: created.key.id, secret: created.secret };
  }

  /** Another process on the same database: its own connection (pool), cache and change feed. */
  async function another(): Promise<Replica> {
    const { connection, store } = await db.openAnother();
    return { services: createServices({ ...deps, store }), connection };
  }

  const changes: Array<[string, (key: { id: string; secret: string }) => Promise<unknown>, string]> = [
    ['made inactive by its owner', (key) => services.keys.deactivate(OWNER, key.id), 'INACTIVE'],
    ['revoked by an admin', (key) => services.keys.deactivate(ADMIN, key.id), 'INACTIVE'],
    ['reported compromised', (key) => services.keys.reportCompromised(OWNER, key.id), 'INACTIVE'],
    // The leak response (docs/leak-response.md): the same change, from a secret seen in Slack.
    [
      'leaked in Slack',
      (key) => services.leaks.report(key.secret, { source: 'slack', sightingId: 'C1:1.0', channel: 'C1', ts: '1.0', posterId: 'UPOSTER' }),
      'INACTIVE',
    ],
    ['deleted', (key) => services.keys.delete(OWNER, { reference: key.id }), 'NOT_FOUND'],
    ["its owner's API access revoked", () => services.access.revoke(ADMIN, OWNER), 'INACTIVE'],
  ];

  it.each(changes)('a cached key %s is refused by the very next verify in the same process', async (_name, change, code) => {
    await setUp();
    const key = await newKey();
    await cached(local, key.secret);
    await change(key);
    expect(await verdict(services, key.secret)).toBe(code);
  });

  it('a cached key whose role is deleted is refused by the very next verify', async () => {
    await setUp();
    await services.roles.create(ADMIN, { name: 'Ops' });
    await services.roles.assign(ADMIN, { userId: OWNER, roleName: 'Ops' });
    await services.users.switchRole(OWNER, 'Ops');
    const key = await newKey();
    await cached(local, key.secret);
    const impact = await services.roles.previewDeletion(ADMIN, 'Ops');
    await services.roles.delete(ADMIN, { name: 'Ops', expectedRoleId: impact.role.id });
    expect(await verdict(services, key.secret)).toBe('NOT_FOUND');
  });

  it('a cached key is refused from the instant it expires, with no message at all', async () => {
    await setUp();
    const created = await services.keys.create(OWNER, {
      name: 'short',
      expiry: { kind: 'at', at: new Date(clock.now().getTime() + 60_000) },
    });
    if (!created.created) throw new Error('no key was created');
    await cached(local, created.secret);
    clock.advance(59_999);
    expect(await verdict(services, created.secret)).toBe('valid');
    clock.advance(1);
    expect(await verdict(services, created.secret)).toBe('EXPIRED');
  });

  it("a rotated key's cached entry is refused once the grace period ends, and the successor works at once", async () => {
    await setUp();
    const key = await newKey();
    await cached(local, key.secret);
    const rotated = await services.keys.rotate(OWNER, key.id);
    expect(await verdict(services, key.secret)).toBe('valid');
    expect(await verdict(services, rotated.secret)).toBe('valid');
    clock.advance(ROTATION_GRACE_MS - 1);
    expect(await verdict(services, key.secret)).toBe('valid');
    clock.advance(1);
    expect(await verdict(services, key.secret)).toBe('EXPIRED');
  });

  it('refusals and undelivered keys are never cached: a key that becomes usable works at once', async () => {
    await setUp();
    const pending = await services.keys.create(OWNER, { name: 'later', expiry: { kind: 'never' } }, { deliverLater: true });
    if (!pending.created) throw new Error('no key was created');
    expect(await verdict(services, pending.secret)).toBe('NOT_FOUND');
    const off = await newKey('off');
    await services.keys.deactivate(OWNER, off.id);
    expect(await verdict(services, off.secret)).toBe('INACTIVE');
    expect(local.connection.keyCache.size).toBe(0);
    await services.keys.confirmDelivery(pending.key.id);
    expect(await verdict(services, pending.secret)).toBe('valid');
  });

  it('recording last uses keeps the cache, a change to any key drops it', async () => {
    await setUp();
    const key = await newKey();
    await cached(local, key.secret);
    await db.store.writeUsage((tx) => tx.keys.touchUsedLastUsed([{ keyId: key.id, at: clock.now().toISOString(), clientAddress: null }]));
    expect(local.connection.keyCache.size).toBe(1);
    await newKey('other');
    expect(local.connection.keyCache.size).toBe(0);
  });

  it('a key made inactive in another process is refused by this one as soon as it hears of it', async () => {
    await setUp();
    const key = await newKey();
    const other = await another();
    await cached(other, key.secret);
    const changedAt = performance.now();
    await services.keys.deactivate(OWNER, key.id);
    if (dialect === 'sqlite') {
      // SQLite: data_version is read at most once per DATA_VERSION_CHECK_MS (connect.ts), the documented bound.
      // Node's timers count whole milliseconds of a cached loop clock, so one can end a little before the
      // bound by performance.now(), the feed's clock: wait, in 1 ms steps (at most 100), until it has passed.
      for (let step = 0; step < 100 && performance.now() - changedAt < DATA_VERSION_CHECK_MS; step++)
        await new Promise((resolve) => setTimeout(resolve, 1));
      expect(await verdict(other.services, key.secret)).toBe('INACTIVE');
    } else {
      // PostgreSQL: the other replica's listener hears the commit's NOTIFY (bench:revocation measures how fast).
      await until(async () => (await verdict(other.services, key.secret)) === 'INACTIVE', 'the other replica to refuse the key');
    }
    expect(await verdict(services, key.secret)).toBe('INACTIVE');
  });
});

// Defined only when PostgreSQL is among the dialects (TEST_DIALECTS), so a SQLite-only run skips nothing.
if (dialects.includes('postgres'))
  describe('the PostgreSQL change listener', () => {
    let db: TestDatabase;
    afterEach(async () => db.cleanup());

    async function terminateListeners(database: string): Promise<number> {
      const admin = new pg.Client({ connectionString: postgresAdminUrl });
      await admin.connect();
      try {
        const result = await admin.query(
          'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and application_name = $2',
          [database, LISTENER_APPLICATION_NAME],
        );
        return result.rowCount ?? 0;
      } finally {
        await admin.end();
      }
    }

    it('a replica whose listener lost its connection bypasses its cache, so a change it was not told of is refused at once; it listens again and caches again', async () => {
      db = await createTestDatabase('postgres');
      const { services, deps: first } = await makeServices(db.store, { admins: [ADMIN] });
      await services.access.grant(ADMIN, OWNER);
      const created = await services.keys.create(OWNER, { name: 'ci', expiry: { kind: 'never' } });
      const spare = await services.keys.create(OWNER, { name: 'spare', expiry: { kind: 'never' } });
      if (!created.created || !spare.created) throw new Error('no key was created');
      const { connection, store } = await db.openAnother();
      const replica = createServices({ ...first, store });
      await until(
        async () => (await replica.keys.verify(created.secret)).valid && connection.keyCache.size > 0,
        'the replica to cache the key',
      );

      const database = new URL(db.config.kind === 'postgres' ? db.config.url : '').pathname.slice(1);
      expect(await terminateListeners(database)).toBeGreaterThan(0);
      await until(async () => connection.keyChanges?.listening === false, 'the replica to notice its listener is gone');
      expect(connection.keyCache.size).toBe(0);
      // Told nobody the replica could hear: the replica reads the database while it is not listening.
      await services.keys.deactivate(OWNER, created.key.id);
      const refused = await replica.keys.verify(created.secret);
      expect(refused.valid ? 'valid' : refused.code).toBe('INACTIVE');

      // The process lives on, the listener reconnects (with back-off), and the cache is used again.
      await until(async () => connection.keyChanges?.listening === true, 'the replica to listen again');
      await until(
        async () => (await replica.keys.verify(spare.secret)).valid && connection.keyCache.size > 0,
        'the replica to cache again',
      );
      await services.keys.deactivate(OWNER, spare.key.id);
      await until(
        async () => {
          const result = await replica.keys.verify(spare.secret);
          return !result.valid && result.code === 'INACTIVE';
        },
        'the reconnected replica to hear of the next change',
        2000,
      );
    });

    it("a change on one replica drops another replica's cache, which then answers with the new expiry", async () => {
      db = await createTestDatabase('postgres');
      const { services, deps: first } = await makeServices(db.store, { admins: [ADMIN] });
      await services.access.grant(ADMIN, OWNER);
      const created = await services.keys.create(OWNER, { name: 'ci', expiry: { kind: 'never' } });
      if (!created.created) throw new Error('no key was created');
      await until(
        async () => (await services.keys.verify(created.secret)).valid && db.connection.keyCache.size > 0,
        'the key to be cached',
      );
      const other = await db.openAnother();
      const replica = createServices({ ...first, store: other.store });
      await until(
        async () => (await replica.keys.verify(created.secret)).valid && other.connection.keyCache.size > 0,
        'the replica to cache the key',
      );
      await replica.keys.extend(OWNER, {
        reference: created.key.id,
        expiry: { kind: 'at', at: new Date(first.now().getTime() + 30 * DAY_MS) },
      });
      await until(async () => db.connection.keyCache.size === 0, 'the first replica to drop its cache');
      const result = await services.keys.verify(created.secret);
      expect(result.valid && result.key.expiresAt).toBe(new Date(first.now().getTime() + 30 * DAY_MS).toISOString());
    });
  });
