import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Services } from '../../src/domain/services.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/db.js';
import { makeServices } from '../support/domain.js';

describe.each(dialects)('Services take (actorId, input, options) (%s)', (dialect) => {
  let db: TestDatabase;
  let services: Services;
  beforeEach(async () => {
    db = await createTestDatabase(dialect);
    ({ services } = await makeServices(db.store, { admins: ['UADMIN'] }));
  });
  afterEach(async () => db.cleanup());

  it('no method takes more than an actor, one input and its options', () => {
    const tooLong = Object.entries(services).flatMap(([group, methods]) =>
      Object.entries(methods as Record<string, unknown>).flatMap(([name, method]) =>
        typeof method === 'function' && method.length > 3 ? [`${group}.${name}(${method.length} parameters)`] : [],
      ),
    );
    expect(tooLong).toEqual([]);
  });

  it('a decision and a key deletion repeated with the same `once` in options are done once', async () => {
    const request = await services.access.request('UALICE', { ttlDays: 7 }, { once: 'press-1' });
    const decide = () => services.access.decide('UADMIN', { requestId: request.id, decision: 'approve' }, { once: 'press-2' });
    expect((await decide()).outcome).toBe('decided');
    expect((await decide()).outcome).toBe('replayed');

    const created = await services.keys.create('UALICE', { name: 'ci', expiry: { kind: 'never' } });
    const remove = () => services.keys.delete('UALICE', { reference: created.key.id }, { once: 'press-3' });
    expect((await remove()).changed).toBe(true);
    await expect(remove()).rejects.toThrow('already handled');
    const deleted = (await services.audit.search({ limit: 100 })).filter((r) => r.action === 'key.deleted' && r.keyId === created.key.id);
    expect(deleted).toHaveLength(1);
  });
});
