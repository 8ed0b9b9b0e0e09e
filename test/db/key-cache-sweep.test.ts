import { afterEach, describe, expect, it, vi } from 'vitest';
import { KeyCache } from '../../src/db/key-cache.js';
import type { AccessKey, Role } from '../../src/domain/model.js';
import type { KeyWithRole } from '../../src/domain/ports.js';

/**
 * The key cache gives back the memory of keys nobody verifies any more (docs/performance.md, "Memory"):
 * an entry is about 1.7 KB, so a cache left full after a burst of verifies would hold hundreds of MB in
 * an idle app. The cache's own clock decides what expired; timers are faked so nothing waits.
 */
const TTL_MS = 60_000;
const role: Role = {
  id: 'role_1',
  name: 'Account Group Read Only',
  maxKeys: 5,
  builtin: true,
  createdAt: '2026-12-07T00:00:00.000Z',
  permissions: [],
};

function usable(keyHash: string): KeyWithRole {
  const key: AccessKey = {
    id: `ak_${keyHash}`,
    name: keyHash,
    ownerId: 'UOWNER',
    roleId: role.id,
    keyHash,
    hashVersion: 1,
    secretStart: 'aks_XXXX',
    status: 'active',
    expiresAt: null,
    createdAt: '2026-12-07T00:00:00.000Z',
    createdBy: 'UOWNER',
    lastUsedAt: null,
    lastUsedIp: null,
    requestId: null,
    rotatedTo: null,
    deliveredAt: '2026-12-07T00:00:00.000Z',
    permissions: null,
    networks: [],
    networkReportOnly: false,
  };
  return { key, role };
}

describe('key cache sweep', () => {
  afterEach(() => vi.useRealTimers());

  it('drops entries once they expire, oldest first, and keeps no timer once empty', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let now = 0;
    const cache = new KeyCache({ ttlMs: TTL_MS, now: () => now });
    cache.useFeed({ epoch: () => 1 });
    const load = async (keyHash: string) => usable(keyHash);
    for (const hash of ['a', 'b', 'c']) await cache.lookup(hash, load);
    now = 30_000;
    await cache.lookup('d', load);
    expect(cache.size).toBe(4);
    expect(vi.getTimerCount()).toBe(1);

    now = 61_000;
    vi.advanceTimersByTime(TTL_MS);
    expect(cache.size).toBe(1);
    expect(cache.peek('d')?.key.id).toBe('ak_d');
    expect(cache.peek('a')).toBeUndefined();

    now = 91_000;
    vi.advanceTimersByTime(TTL_MS);
    expect(cache.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a drop of everything also stops the timer', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const cache = new KeyCache({ ttlMs: TTL_MS, now: () => 0 });
    cache.useFeed({ epoch: () => 1 });
    await cache.lookup('a', async (keyHash) => usable(keyHash));
    expect(vi.getTimerCount()).toBe(1);
    cache.invalidate();
    expect(cache.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});
