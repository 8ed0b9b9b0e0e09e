import { afterEach, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/connect.js';
import { createStore } from '../../src/db/store.js';
import { UNDELIVERED_TTL_MS } from '../../src/domain/keys/delivery.js';
import type { Store } from '../../src/domain/ports.js';
import type { Services } from '../../src/domain/services.js';
import type { SecretHasher } from '../../src/domain/secrets.js';
import { isAppError } from '../../src/errors.js';
import { createTestDatabase, postgresAdminUrl, type TestDatabase } from '../support/db.js';
import { makeServices, replicaOver } from '../support/domain.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const ALICE = 'UALICE';

/**
 * A failover between the server's commit and its answer: the app's connection to PostgreSQL goes
 * through a proxy that cuts it exactly at a COMMIT. The store must never run a committed transaction
 * again, and must never say "nothing was changed" when it cannot know.
 */
describe('a COMMIT whose answer is lost (PostgreSQL)', () => {
  let db: TestDatabase | undefined;
  let proxy: TcpProxy | undefined;
  let proxied: Store | undefined;
  afterEach(async () => {
    await proxied?.close();
    await proxy?.stop();
    await db?.cleanup();
    proxied = undefined;
    proxy = undefined;
    db = undefined;
  });

  /** Alice with one key already (the role allows two), and services whose store reaches the database only through the proxy. */
  async function setup(): Promise<{ direct: Services; proxied: Services; hasher: SecretHasher }> {
    db = await createTestDatabase('postgres');
    const made = await makeServices(db.store, { admins: ['UADMIN'] });
    await made.services.access.grant('UADMIN', ALICE);
    await made.services.keys.create(ALICE, { name: 'first', expiry: { kind: 'never' } });
    const admin = new URL(postgresAdminUrl);
    proxy = await TcpProxy.start({ host: admin.hostname, port: Number(admin.port || 5432) });
    if (db.config.kind !== 'postgres') throw new Error('postgres only');
    const store = createStore(connect({ kind: 'postgres', url: proxy.rewrite(db.config.url) }));
    proxied = store;
    return { direct: made.services, proxied: replicaOver(made.deps, store), hasher: made.deps.hasher };
  }

  async function keysOfAlice(services: Services): Promise<string[]> {
    return (await services.keys.list(ALICE)).keys.map((k) => k.key.name).sort();
  }

  it('returns what it committed when the server committed: one key, whose secret is the one handed back', async () => {
    const { direct, proxied, hasher } = await setup();
    const cut = proxy?.cutAtNextCommit({ commitReaches: true });
    const created = await proxied.keys.create(ALICE, { name: 'second', expiry: { kind: 'never' } });
    await cut;
    expect(created.created).toBe(true);
    if (!created.created) return;
    expect(await keysOfAlice(direct)).toEqual(['first', 'second']);
    const stored = await db?.store.read.keys.findById(created.key.id);
    expect(stored?.keyHash).toBe(hasher.hash(created.secret));
  });

  it('runs it again when the COMMIT never reached the server (it rolled back): exactly one key', async () => {
    const { direct, proxied } = await setup();
    const cut = proxy?.cutAtNextCommit({ commitReaches: false });
    const created = await proxied.keys.create(ALICE, { name: 'second', expiry: { kind: 'never' } });
    await cut;
    expect(created.created).toBe(true);
    expect(await keysOfAlice(direct)).toEqual(['first', 'second']);
  });

  it('says the outcome is unknown, never "nothing was changed", when no connection can tell', async () => {
    const { direct, proxied } = await setup();
    const cut = proxy?.cutAtNextCommit({ commitReaches: true, thenRefuse: true });
    const failed = await proxied.keys.deactivate(ALICE, 'first').then(
      () => undefined,
      (error: unknown) => error,
    );
    await cut;
    expect(isAppError(failed, 'OUTCOME_UNKNOWN')).toBe(true);
    expect(String((failed as Error).message)).toMatch(/couldn't confirm whether that change was saved.*\/accesskey list/);
    expect(String((failed as Error).message)).not.toMatch(/nothing was changed/);
    // It did commit: the answer was only lost.
    const [first] = (await direct.keys.list(ALICE)).keys;
    expect(first?.key.status).toBe('inactive');
  });

  describe('a key created while its COMMIT answer is lost for good', () => {
    it('never authenticates, and the undelivered sweep removes it and frees its slot', async () => {
      db = await createTestDatabase('postgres');
      const made = await makeServices(db.store, { admins: ['UADMIN'] });
      await made.services.access.grant('UADMIN', ALICE);
      const admin = new URL(postgresAdminUrl);
      proxy = await TcpProxy.start({ host: admin.hostname, port: Number(admin.port || 5432) });
      if (db.config.kind !== 'postgres') throw new Error('postgres only');
      proxied = createStore(connect({ kind: 'postgres', url: proxy.rewrite(db.config.url) }));
      const services = replicaOver(made.deps, proxied);

      const cut = proxy.cutAtNextCommit({ commitReaches: true, thenRefuse: true });
      const failed = await services.keys.create(ALICE, { name: 'lost', expiry: { kind: 'never' } }).then(
        () => undefined,
        (error: unknown) => error,
      );
      await cut;
      expect(isAppError(failed, 'OUTCOME_UNKNOWN')).toBe(true);
      // It committed, but its secret reached nobody: it does not count as delivered.
      const [lost] = (await made.services.keys.list(ALICE)).keys;
      expect(lost?.key.name).toBe('lost');
      expect(lost?.key.deliveredAt).toBeNull();

      made.clock.advance(UNDELIVERED_TTL_MS + 1000);
      const swept = await made.services.keys.sweepUndelivered();
      expect(swept.map((s) => s.key.id)).toEqual([lost?.key.id]);
      expect((await made.services.keys.list(ALICE)).keys).toEqual([]);
    });
  });
});
