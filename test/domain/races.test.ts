import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DomainDeps } from '../../src/domain/deps.js';
import type { Services } from '../../src/domain/services.js';
import { AppError } from '../../src/errors.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/db.js';
import { DAY_MS, makeServices, replicaOver } from '../support/domain.js';

describe.each(dialects)('changes racing on one key on %s', (dialect) => {
  let db: TestDatabase;
  let left: Services;
  let right: Services;

  beforeEach(async () => {
    db = await createTestDatabase(dialect);
    let deps: DomainDeps;
    ({ services: left, deps } = await makeServices(db.store, { admins: ['UADMIN'] }));
    right = replicaOver(deps, (await db.openAnother()).store);
    // Room for the keys the rounds leave behind.
    await left.roles.create('UADMIN', { name: 'Racing', maxKeys: 10 });
    await left.roles.assign('UADMIN', { userId: 'UADMIN', roleName: 'Racing' });
    await left.users.switchRole('UADMIN', 'Racing');
  });
  afterEach(async () => db.cleanup());

  const settle = (p: Promise<unknown>) =>
    p.then(
      () => 'ok',
      (e: unknown) => (e instanceof AppError ? e.code : `raw: ${String(e)}`),
    );

  it('extend, make inactive and delete at once end in a serial order: never re-activated, nothing after the deletion', async () => {
    for (let round = 0; round < 10; round++) {
      const created = await left.keys.create('UADMIN', { name: `race-${round}`, expiry: { kind: 'never' } });
      const id = created.key.id;
      const outcomes = await Promise.all([
        settle(left.keys.extend('UADMIN', { reference: id, expiry: { kind: 'at', at: new Date(Date.now() + DAY_MS) } })),
        settle(right.keys.deactivate('UADMIN', id)),
        settle(round % 2 === 0 ? left.keys.delete('UADMIN', { reference: id }) : Promise.resolve()),
      ]);
      expect(outcomes.filter((o) => o !== 'ok' && o !== 'KEY_NOT_FOUND')).toEqual([]);
      const actions = (await left.audit.search({ keyId: id, limit: 10 })).reverse().map((r) => r.action);
      expect(actions[0]).toBe('key.created');
      const deletedAt = actions.indexOf('key.deleted');
      if (deletedAt >= 0) expect(deletedAt).toBe(actions.length - 1);
      const after = await db.store.read.keys.findById(id);
      if (round % 2 === 0) expect(after).toBeUndefined();
      else expect(after?.status).toBe('inactive');
    }
    expect((await left.audit.verifyChain()).ok).toBe(true);
  });

  it('verifies in flight while a key is deleted answer valid or NOT_FOUND, never an error', async () => {
    const created = await left.keys.create('UADMIN', { name: 'doomed', expiry: { kind: 'never' } });
    if (!created.created) throw new Error('expected a new key');
    const verdicts = await Promise.all([
      ...Array.from({ length: 100 }, (_, i) =>
        (i % 2 === 0 ? left : right).keys.verify(created.secret).then((v) => (v.valid ? 'valid' : v.code)),
      ),
      right.keys.delete('UADMIN', { reference: created.key.id }).then(() => 'deleted'),
      ...Array.from({ length: 100 }, (_, i) =>
        (i % 2 === 0 ? right : left).keys.verify(created.secret).then((v) => (v.valid ? 'valid' : v.code)),
      ),
    ]);
    expect(verdicts.filter((v) => !['valid', 'NOT_FOUND', 'deleted'].includes(v))).toEqual([]);
    expect(verdicts).toContain('deleted');
    // After the deletion commits, every verify says NOT_FOUND.
    expect(await left.keys.verify(created.secret)).toEqual({ valid: false, code: 'NOT_FOUND' });
  });
});
