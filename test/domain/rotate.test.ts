import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Services } from '../../src/domain/services.js';
import { dialects, type TestDatabase } from '../support/db.js';
import { DAY_MS, domainWithAlice, type TestClock } from '../support/domain.js';

describe.each(dialects)('rotating a key on %s', (dialect) => {
  let db: TestDatabase;
  let services: Services;
  let clock: TestClock;
  beforeEach(async () => {
    ({ db, services, clock } = await domainWithAlice(dialect));
  });
  afterEach(async () => db.cleanup());

  it('makes a successor in the same role with the same lifetime; the old key works for the grace period, then expires', async () => {
    const old = await services.keys.create('UALICE', {
      name: 'deploy',
      expiry: { kind: 'at', at: new Date(clock.now().getTime() + 90 * DAY_MS) },
    });
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

  it('works in a full role ("delete or rotate one first"), but not twice over the limit; only the owner rotates', async () => {
    await services.keys.create('UALICE', { name: 'a', expiry: { kind: 'never' } });
    await services.keys.create('UALICE', { name: 'b', expiry: { kind: 'never' } });
    const rotated = await services.keys.rotate('UALICE', 'a');
    await expect(services.keys.rotate('UALICE', rotated.successor.id)).rejects.toMatchObject({ code: 'KEY_LIMIT_REACHED' });
    await expect(services.keys.rotate('UALICE', 'a')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    const [first] = (await services.keys.list('UALICE')).keys;
    await expect(services.keys.rotate('UADMIN', first?.key.id ?? '')).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' });
  });

  it('extending a rotated-out key keeps it (no longer on its way out); deleting a successor frees its predecessor', async () => {
    await services.keys.create('UALICE', { name: 'kept', expiry: { kind: 'never' } });
    const first = await services.keys.rotate('UALICE', 'kept');
    await services.keys.extend('UALICE', { reference: first.old.id, expiry: { kind: 'never' } });
    expect((await services.keys.show('UALICE', first.old.id)).key).toMatchObject({ rotatedTo: null, expiresAt: null });
    await services.keys.delete('UALICE', { reference: first.successor.id });
    const second = await services.keys.rotate('UALICE', 'kept');
    await services.keys.delete('UALICE', { reference: second.successor.id });
    expect((await services.keys.show('UALICE', second.old.id)).key.rotatedTo).toBeNull();
  });

  it('an expired key can be rotated: its successor is the way out', async () => {
    await services.keys.create('UALICE', { name: 'late', expiry: { kind: 'at', at: new Date(clock.now().getTime() + DAY_MS) } });
    clock.advance(2 * DAY_MS);
    const rotated = await services.keys.rotate('UALICE', 'late');
    expect((await services.keys.verify(rotated.secret)).valid).toBe(true);
  });
});
