import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Services } from '../../src/domain/services.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/db.js';
import { DAY_MS, makeServices, type TestClock } from '../support/domain.js';

describe.each(dialects)('rotating a key on %s', (dialect) => {
  let db: TestDatabase;
  let services: Services;
  let clock: TestClock;
  beforeEach(async () => {
    db = await createTestDatabase(dialect);
    ({ services, clock } = await makeServices(db.store, { admins: ['UADMIN'] }));
    await services.access.grant('UADMIN', 'UALICE');
  });
  afterEach(async () => db.cleanup());

  it('makes a successor in the same role with the same lifetime; the old key works for the grace period, then expires', async () => {
    const old = await services.keys.create({ actorId: 'UALICE', name: 'deploy', expiry: { kind: 'at', at: new Date(clock.now().getTime() + 90 * DAY_MS) } });
    if (!old.created) throw new Error('expected a new key');
    const rotated = await services.keys.rotate('UALICE', 'deploy');
    expect(rotated.successor.roleId).toBe(old.key.roleId);
    expect(rotated.successor.name).toMatch(/^deploy \(rotated \d{4}-\d{2}-\d{2}\)$/);
    expect(Date.parse(rotated.successor.expiresAt ?? '') - clock.now().getTime()).toBe(90 * DAY_MS);
    expect((await services.keys.verify(rotated.secret)).valid).toBe(true);
    expect((await services.keys.verify(old.secret)).valid).toBe(true);
    clock.advance(DAY_MS);
    expect(await services.keys.verify(old.secret)).toEqual({ valid: false, code: 'EXPIRED' });
    const actions = (await services.audit.search({ keyId: old.key.id, limit: 5 })).map((r) => r.action);
    expect(actions[0]).toBe('key.rotated');
  });

  it('needs a free slot, and only the owner can rotate', async () => {
    await services.keys.create({ actorId: 'UALICE', name: 'a', expiry: { kind: 'never' } });
    await services.keys.create({ actorId: 'UALICE', name: 'b', expiry: { kind: 'never' } });
    await expect(services.keys.rotate('UALICE', 'a')).rejects.toMatchObject({ code: 'KEY_LIMIT_REACHED' });
    const [first] = (await services.keys.list('UALICE')).keys;
    await expect(services.keys.rotate('UADMIN', first?.key.id ?? '')).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' });
  });
});
