import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/db.js';
import { makeServices, replicaOver } from '../support/domain.js';

const run = promisify(execFile);
const workerPath = new URL('../support/create-worker.ts', import.meta.url).pathname;

describe.each(dialects)('the per-role key limit under concurrency on %s', (dialect) => {
  let db: TestDatabase;
  afterEach(async () => db.cleanup());

  it('two concurrent creates for the last free slot make exactly one key, through separate connections', async () => {
    db = await createTestDatabase(dialect);
    const { services, deps } = await makeServices(db.store, { admins: ['UADMIN'] });
    await services.access.grant('UADMIN', 'URACE');
    await services.keys.create('URACE', { name: 'first', expiry: { kind: 'never' } });
    const other = await db.openAnother();
    const otherServices = replicaOver(deps, other.store);
    const results = await Promise.allSettled([
      services.keys.create('URACE', { name: 'left', expiry: { kind: 'never' } }),
      otherServices.keys.create('URACE', { name: 'right', expiry: { kind: 'never' } }),
    ]);
    const fulfilled = results.filter((r) => r.status === 'fulfilled');
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    expect(fulfilled).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toBeInstanceOf(AppError);
    expect((refused[0] as AppError).code).toBe('KEY_LIMIT_REACHED');
    expect(await db.store.read.keys.countAll({ ownerId: 'URACE' })).toBe(2);
  });

  it('4 processes racing 20 creates each leave exactly 2 keys and show users no database error', async () => {
    db = await createTestDatabase(dialect);
    const { services } = await makeServices(db.store, { admins: ['UADMIN'] });
    await services.access.grant('UADMIN', 'URACE');
    const startAt = Date.now() + 1500;
    const outputs = await Promise.all(
      Array.from({ length: 4 }, () =>
        run(process.execPath, ['--import', 'tsx', workerPath, JSON.stringify(db.config), 'URACE', '20', String(startAt)], {
          timeout: 60_000,
        }),
      ),
    );
    const totals: Record<string, number> = {};
    for (const { stdout } of outputs) {
      for (const [code, n] of Object.entries(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, number>))
        totals[code] = (totals[code] ?? 0) + n;
    }
    // On a busy machine a create can outwait its database budget and be told to try again (a friendly
    // answer); nothing else but the limit may refuse, never a raw database error, and never a third key.
    const { created = 0, KEY_LIMIT_REACHED: refused = 0, DB_BUSY: busy = 0, DB_UNAVAILABLE: unavailable = 0, ...others } = totals;
    expect(others).toEqual({});
    expect(created).toBeLessThanOrEqual(2);
    expect(created + refused + busy + unavailable).toBe(80);
    for (let attempt = 0; attempt < 5 && (await db.store.read.keys.countAll({ ownerId: 'URACE' })) < 2; attempt++) {
      await services.keys.create('URACE', { name: `again${attempt}`, expiry: { kind: 'never' } }).catch(() => undefined);
    }
    await expect(services.keys.create('URACE', { name: 'third', expiry: { kind: 'never' } })).rejects.toMatchObject({
      code: 'KEY_LIMIT_REACHED',
    });
    expect(await db.store.read.keys.countAll({ ownerId: 'URACE' })).toBe(2);
    expect((await services.audit.verifyChain()).ok).toBe(true);
  });
});
