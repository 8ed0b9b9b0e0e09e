import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Services } from '../../src/domain/services.js';
import { dialects, type TestDatabase } from '../support/db.js';
import { domainWithAlice, type TestClock } from '../support/domain.js';
import { rowsByTable } from '../support/dump.js';

/** Tables a usage write may change: keys' last-use columns, and the audit log with its head and mirror queue. */
const AUDIT_TABLES = ['audit_log', 'audit_head', 'audit_outbox'];
const LAST_USE_COLUMNS = ['last_used_at', 'last_used_ip'];

/** What changed between two snapshots, outside what a usage write may touch: `table` or `table.column`. */
function changedOutsideUsage(before: Map<string, Record<string, unknown>[]>, after: Map<string, Record<string, unknown>[]>): string[] {
  const changed: string[] = [];
  for (const [table, rows] of after) {
    if (AUDIT_TABLES.includes(table)) continue;
    const earlier = before.get(table) ?? [];
    if (table !== 'access_keys') {
      if (JSON.stringify(rows) !== JSON.stringify(earlier)) changed.push(table);
      continue;
    }
    const withoutLastUse = (list: Record<string, unknown>[]) =>
      JSON.stringify(list.map((row) => Object.fromEntries(Object.entries(row).filter(([column]) => !LAST_USE_COLUMNS.includes(column)))));
    if (withoutLastUse(rows) !== withoutLastUse(earlier)) changed.push('access_keys (other than last use)');
  }
  return changed;
}

describe.each(dialects)('writes that cannot revoke a key (%s)', (dialect) => {
  let db: TestDatabase;
  let services: Services;
  let clock: TestClock;
  beforeEach(async () => {
    ({ db, services, clock } = await domainWithAlice(dialect));
  });
  afterEach(async () => db.cleanup());

  it('flushing key uses and failed attempts changes only last-use times and the audit log', async () => {
    const used = await services.keys.create('UALICE', { name: 'used', expiry: { kind: 'never' } });
    if (!used.created) throw new Error('setup');
    await services.usage.recordKeyUses([
      { keyId: used.key.id, at: clock.now().toISOString(), clientAddress: '10.0.0.1', usedBefore: false },
    ]);
    clock.advance(60_000);
    const before = await rowsByTable(db);
    const at = clock.now().toISOString();
    // The paths that keep every replica's key cache (Store.writeUsage): uses of keys used before, and failures.
    const written = await services.usage.recordKeyUses([{ keyId: used.key.id, at, clientAddress: '10.0.0.2', usedBefore: true }]);
    const failures = await services.usage.recordAuthFailures([
      {
        endpoint: '/v1/keys/verify',
        keyId: used.key.id,
        clientAddress: '10.0.0.3',
        firstAt: at,
        lastAt: at,
        count: 3,
        reasons: { inactive: 3 },
      },
    ]);
    const after = await rowsByTable(db);

    expect(written.written).toBe(1);
    expect(failures).toBe(1);
    expect(after.get('access_keys')?.find((k) => k.id === used.key.id)).toMatchObject({ last_used_ip: '10.0.0.2' });
    expect(after.get('audit_log')?.length).toBe((before.get('audit_log')?.length ?? 0) + 1);
    expect(changedOutsideUsage(before, after)).toEqual([]);
  });

  it('a usage write reaches only the last-use and audit methods: a revoking one is not there, even behind a cast', async () => {
    const created = await services.keys.create('UALICE', { name: 'ci', expiry: { kind: 'never' } });
    if (!created.created) throw new Error('setup');
    const attempt = db.store.writeUsage(async (tx) => {
      const keys = tx.keys as unknown as Record<string, unknown>;
      expect(keys.update).toBeUndefined();
      expect(keys.remove).toBeUndefined();
      expect((tx as unknown as Record<string, unknown>).memberships).toMatchObject({ rolesOf: expect.any(Function) });
      expect((tx as unknown as Record<string, unknown>).processedRequests).toBeUndefined();
      return Object.keys(keys)
        .filter((name) => name.startsWith('touch'))
        .sort();
    });
    await expect(attempt).resolves.toEqual(['touchLastUsed', 'touchUsedLastUsed']);
    expect((await services.keys.list('UALICE')).keys.map((k) => k.key.status)).toEqual(['active']);
  });

  it('Store.read hands out only reading methods', async () => {
    const read = db.store.read as unknown as Record<string, Record<string, unknown>>;
    expect(read.keys?.update).toBeUndefined();
    expect(read.accessRequests?.update).toBeUndefined();
    expect(read.settings?.set).toBeUndefined();
    expect(read.processedRequests).toBeUndefined();
    expect(read.keys?.findById).toEqual(expect.any(Function));
  });
});
