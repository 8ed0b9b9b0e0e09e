import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { generateSecret } from '../../src/domain/secrets.js';
import type { Services } from '../../src/domain/services.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/db.js';
import { makeServices } from '../support/domain.js';

/** Each draws nothing: Hangul fillers, braille blank, zero-width and bidi marks, spaces, lone combining marks, tags. */
const BLANK_NAMES = [
  '\u3164',
  '\u2800',
  '\u115F',
  '\u1160',
  '\uFFA0',
  '\u200B',
  '\u200C\u200D',
  '\u2060',
  '\u00A0\u3164\u2800',
  '\u2003\u3000',
  '\u0301',
  '\u034F',
  '\uFE0F',
  '\u{E0041}',
  '\u3164\u0301\u2800',
];

const refusal = async (promise: Promise<unknown>): Promise<AppError> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof AppError)) throw new Error(`expected a refusal, got ${String(error)}`);
  return error;
};

describe.each(dialects)('names and reasons that must not be stored, on %s', (dialect) => {
  let db: TestDatabase;
  let services: Services;

  beforeEach(async () => {
    db = await createTestDatabase(dialect);
    ({ services } = await makeServices(db.store));
  });
  afterEach(async () => db.cleanup());

  it('refuses names with nothing visible, for keys and roles', async () => {
    for (const name of BLANK_NAMES) {
      const key = await refusal(services.keys.create('UADMIN', { name, expiry: { kind: 'never' } }));
      expect(key.code, JSON.stringify(name)).toBe('INVALID_NAME');
      const role = await refusal(services.roles.create('UADMIN', { name: name }));
      expect(role.code, JSON.stringify(name)).toBe('INVALID_INPUT');
    }
    expect((await services.keys.list('UADMIN', { allRoles: true })).keys).toHaveLength(0);
    expect((await services.roles.list('UADMIN')).every((r) => /\p{L}/u.test(r.name))).toBe(true);
  });

  it('names with something visible among invisible characters are still fine', async () => {
    await services.keys.create('UADMIN', { name: 'caf\u0065\u0301', expiry: { kind: 'never' } });
    await services.roles.create('UADMIN', { name: '데이터 팀' });
    expect((await services.keys.list('UADMIN', { allRoles: true })).keys.map((k) => k.key.name)).toEqual(['caf\u0065\u0301']);
  });

  it('a secret in a role name or a reason is a clear refusal, never a fault, and nothing is stored', async () => {
    const secret = generateSecret();
    expect((await refusal(services.roles.create('UADMIN', { name: `team ${secret}` }))).message).toContain('looks like a secret key');
    expect((await refusal(services.access.request('UBOB', { reason: `old key ${secret}`, ttlDays: 7 }))).message).toContain(
      'contains a secret key',
    );
    expect(await db.store.read.accessRequests.findPending('UBOB')).toBeUndefined();
    const request = await services.access.request('UBOB', { reason: 'ci', ttlDays: 7 });
    expect((await refusal(services.access.decide('UADMIN', { requestId: request.id, decision: 'deny', reason: secret }))).code).toBe(
      'INVALID_INPUT',
    );
    expect(await db.store.read.accessRequests.find(request.id)).toMatchObject({ status: 'pending' });
  });

  it('a reason with nothing visible counts as no reason', async () => {
    const request = await services.access.request('UBOB', { reason: '\u3164\u2800', ttlDays: 7 });
    expect(request.reason).toBeNull();
  });

  it('a secret given where a key is named is refused without repeating it', async () => {
    const created = await services.keys.create('UADMIN', { name: 'ci', expiry: { kind: 'never' } });
    if (!created.created) throw new Error('expected a new key');
    for (const attempt of [
      () => services.keys.show('UADMIN', created.secret),
      () => services.keys.deactivate('UADMIN', created.secret),
      () => services.keys.delete('UADMIN', { reference: created.secret }),
      () => services.admin.revokeKey('UADMIN', created.secret),
    ]) {
      const error = await refusal(attempt());
      expect(error.message).not.toMatch(/aks_[0-9A-Za-z]{8,}/);
      expect(error.message).toContain("won't repeat it");
    }
  });
});
