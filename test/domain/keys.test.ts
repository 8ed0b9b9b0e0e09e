import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError, type ErrorCode } from '../../src/errors.js';
import type { Services } from '../../src/domain/services.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/db.js';
import { DAY_MS, makeServices, type TestClock } from '../support/domain.js';
import { dumpAllRows } from '../support/dump.js';

async function codeOf(promise: Promise<unknown>): Promise<ErrorCode | 'no error'> {
  try {
    await promise;
    return 'no error';
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
}

describe.each(dialects)('key lifecycle on %s', (dialect) => {
  let db: TestDatabase;
  let services: Services;
  let clock: TestClock;
  const admin = 'UADMIN';
  const alice = 'UALICE';

  beforeEach(async () => {
    db = await createTestDatabase(dialect);
    ({ services, clock } = await makeServices(db.store, { admins: [admin] }));
    await services.access.grant(admin, alice);
  });
  afterEach(async () => db.cleanup());

  const create = (name: string, actorId = alice) => services.keys.create(actorId, { name, expiry: { kind: 'never' } });

  it('a user without API access cannot create keys and is told how to ask', async () => {
    const error = await services.keys.create('UBOB', { name: 'ci', expiry: { kind: 'never' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('NO_API_ACCESS');
    expect((error as AppError).message).toContain('request-access');
  });

  it('System Admin holders have API access without a grant (R1)', async () => {
    const result = await create('admin-key', admin);
    expect(result.created).toBe(true);
  });

  it('the third key in a two-key role is refused with KEY_LIMIT_REACHED and a clear message', async () => {
    await create('one');
    await create('two');
    const error = await create('three').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('KEY_LIMIT_REACHED');
    expect((error as AppError).message).toBe('Account Group Read Only: 2 of 2 keys used — delete or rotate one first.');
    expect((await services.keys.list(alice)).keys).toHaveLength(2);
  });

  it('inactive and expired keys still count toward the limit; deleting one frees a slot', async () => {
    await services.keys.create(alice, { name: 'soon', expiry: { kind: 'at', at: new Date(clock.now().getTime() + 1000) } });
    const second = await create('off');
    await services.keys.deactivate(alice, second.key.id);
    clock.advance(2000);
    expect(await codeOf(create('third'))).toBe('KEY_LIMIT_REACHED');
    await services.keys.delete(alice, { reference: 'soon' });
    expect(await codeOf(create('third'))).toBe('no error');
  });

  it('Build and Deploy Security refuses a second key', async () => {
    await services.roles.assign(admin, { userId: alice, roleName: 'Build and Deploy Security' });
    await services.users.switchRole(alice, 'build and deploy security');
    await create('pipeline');
    const error = await create('second').catch((e: unknown) => e);
    expect((error as AppError).code).toBe('KEY_LIMIT_REACHED');
    expect((error as AppError).message).toBe('Build and Deploy Security: 1 of 1 keys used — delete or rotate one first.');
  });

  it('a key is tied to the active role, and lists show only that role unless asked for all (R3)', async () => {
    await create('read-only-key');
    await services.roles.assign(admin, { userId: alice, roleName: 'Account Group Admin' });
    await services.users.switchRole(alice, 'Account Group Admin');
    const adminKey = await create('group-admin-key');
    expect(adminKey.created && adminKey.role.name).toBe('Account Group Admin');
    expect((await services.keys.list(alice)).keys.map((k) => k.key.name)).toEqual(['group-admin-key']);
    expect((await services.keys.list(alice, { allRoles: true })).keys.map((k) => k.key.name).sort()).toEqual([
      'group-admin-key',
      'read-only-key',
    ]);
    expect(await codeOf(services.users.switchRole(alice, 'Cloud Provisioning Admin'))).toBe('NOT_ROLE_MEMBER');
  });

  it('names are 1–64 printable characters and unique per owner and role ignoring case', async () => {
    await create('Deploy');
    expect(await codeOf(create('deploy'))).toBe('DUPLICATE_NAME');
    expect(await codeOf(create('   '))).toBe('INVALID_NAME');
    expect(await codeOf(create('x'.repeat(65)))).toBe('INVALID_NAME');
    expect(await codeOf(create('bad\u0007bell'))).toBe('INVALID_NAME');
    expect(await codeOf(create('zero\u200Bwidth'))).toBe('INVALID_NAME');
    expect(await codeOf(create('x'.repeat(64)))).toBe('no error');
  });

  it('expiry: none means never, a bare checkbox means one calendar month, a past instant is refused', async () => {
    clock.set('2026-01-31T09:00:00.000Z');
    const never = await create('never');
    const month = await services.keys.create(alice, { name: 'month', expiry: { kind: 'default' } });
    expect(never.key.expiresAt).toBeNull();
    expect(month.key.expiresAt).toBe('2026-02-28T09:00:00.000Z');
    expect(
      await codeOf(services.keys.create(alice, { name: 'past', expiry: { kind: 'at', at: new Date('2026-01-31T08:59:59.000Z') } })),
    ).toBe('INVALID_EXPIRY');
  });

  it('an expired key cannot be made active, but its expiry can be extended into the future', async () => {
    const key = await services.keys.create(alice, { name: 'short', expiry: { kind: 'at', at: new Date(clock.now().getTime() + DAY_MS) } });
    await services.keys.deactivate(alice, key.key.id);
    clock.advance(2 * DAY_MS);
    expect(await codeOf(services.keys.activate(alice, key.key.id))).toBe('KEY_EXPIRED');
    expect(
      await codeOf(services.keys.extend(alice, { reference: key.key.id, expiry: { kind: 'at', at: new Date(clock.now().getTime() - 1) } })),
    ).toBe('INVALID_EXPIRY');
    const extended = await services.keys.extend(alice, {
      reference: key.key.id,
      expiry: { kind: 'at', at: new Date(clock.now().getTime() + DAY_MS) },
    });
    expect(extended.key.status).toBe('inactive');
    expect(await codeOf(services.keys.activate(alice, key.key.id))).toBe('no error');
  });

  it('revoking API access makes every key inactive, and granting it again does not reactivate them', async () => {
    const one = await create('one');
    const two = await create('two');
    const revoked = await services.access.revoke(admin, alice);
    expect(revoked.deactivated.map((k) => k.id).sort()).toEqual([one.key.id, two.key.id].sort());
    for (const created of [one, two]) {
      if (!created.created) throw new Error('expected new keys');
      expect(await services.keys.verify(created.secret)).toEqual({ valid: false, code: 'INACTIVE' });
    }
    expect(await codeOf(services.keys.activate(alice, 'one'))).toBe('NO_API_ACCESS');
    await services.access.grant(admin, alice);
    expect((await services.keys.list(alice)).keys.map((k) => k.key.status)).toEqual(['inactive', 'inactive']);
    const actions = (await services.audit.search({ userId: alice, limit: 50 })).map((r) => r.action);
    expect(actions.filter((a) => a === 'key.revoked')).toHaveLength(2);
    expect(actions).toContain('api_access.revoked');
  });

  it('only admins can grant or revoke API access', async () => {
    expect(await codeOf(services.access.grant(alice, 'UBOB'))).toBe('NOT_ADMIN');
    expect(await codeOf(services.access.revoke(alice, admin))).toBe('NOT_ADMIN');
  });

  it('keys are found by ID or name; someone else\'s key is "not found"', async () => {
    const mine = await create('mine');
    expect((await services.keys.show(alice, 'MINE')).key.id).toBe(mine.key.id);
    expect((await services.keys.show(alice, mine.key.id)).key.name).toBe('mine');
    await services.access.grant(admin, 'UBOB');
    expect(await codeOf(services.keys.show('UBOB', mine.key.id))).toBe('KEY_NOT_FOUND');
    expect(await codeOf(services.keys.delete('UBOB', { reference: mine.key.id }))).toBe('KEY_NOT_FOUND');
    expect(await codeOf(services.keys.show(alice, 'ak_doesnotexist000000'))).toBe('KEY_NOT_FOUND');
  });

  it("an admin making someone else's key inactive is recorded as a revocation", async () => {
    const key = await create('watched');
    await services.keys.deactivate(admin, key.key.id);
    const [latest] = await services.audit.search({ keyId: key.key.id, limit: 1 });
    expect(latest?.action).toBe('key.revoked');
    expect(latest?.actorId).toBe(admin);
    expect(latest?.ownerId).toBe(alice);
  });

  it('a key an admin revoked stays inactive until an admin, not its owner, makes it active again (R8)', async () => {
    const key = await create('compromised');
    await services.keys.deactivate(admin, key.key.id);
    expect(await codeOf(services.keys.activate(alice, key.key.id))).toBe('NOT_ADMIN');
    expect((await services.keys.show(alice, key.key.id)).key.status).toBe('revoked');
    expect(await codeOf(services.keys.activate(admin, key.key.id))).toBe('no error');
    expect((await services.keys.show(alice, key.key.id)).key.status).toBe('active');
  });

  it('an admin revoking a key its owner only made inactive turns it into a revocation the owner cannot undo', async () => {
    const key = await create('switched-off');
    await services.keys.deactivate(alice, key.key.id);
    const revoked = await services.keys.deactivate(admin, key.key.id);
    expect(revoked.changed).toBe(true);
    expect(revoked.key.status).toBe('revoked');
    expect(await codeOf(services.keys.activate(alice, key.key.id))).toBe('NOT_ADMIN');
  });

  it('losing System Admin without an explicit grant makes the remaining keys inactive (R1)', async () => {
    await services.roles.assign(admin, { userId: 'UOPS', roleName: 'System Admin' });
    const opsKey = await services.keys.create('UOPS', { name: 'ops', expiry: { kind: 'never' } });
    await services.roles.remove(admin, { userId: 'UOPS', roleName: 'System Admin' });
    if (!opsKey.created) throw new Error('expected a new key');
    expect(await services.keys.verify(opsKey.secret)).toEqual({ valid: false, code: 'INACTIVE' });
    const [latest] = await services.audit.search({ keyId: opsKey.key.id, limit: 1 });
    expect(latest).toMatchObject({ action: 'key.revoked', details: { reason: 'api_access_lost' } });
  });

  it('verify: valid, inactive, expired at the exact instant, deleted, and a one-character change', async () => {
    const result = await services.keys.create(alice, { name: 'api', expiry: { kind: 'at', at: new Date(clock.now().getTime() + DAY_MS) } });
    if (!result.created) throw new Error('expected a new key');
    const ok = await services.keys.verify(result.secret);
    expect(ok.valid && ok.key.id).toBe(result.key.id);
    const flipped = result.secret.slice(0, 10) + (result.secret[10] === 'a' ? 'b' : 'a') + result.secret.slice(11);
    expect((await services.keys.verify(flipped)).valid).toBe(false);
    clock.advance(DAY_MS - 1);
    expect((await services.keys.verify(result.secret)).valid).toBe(true);
    clock.advance(1);
    expect(await services.keys.verify(result.secret)).toEqual({ valid: false, code: 'EXPIRED' });
    await services.keys.delete(alice, { reference: result.key.id });
    expect(await services.keys.verify(result.secret)).toEqual({ valid: false, code: 'NOT_FOUND' });
  });

  it('a replayed create request returns the first key and makes no second one', async () => {
    const first = await services.keys.create(alice, { name: 'once', expiry: { kind: 'never' } }, { once: 'V123' });
    const again = await services.keys.create(alice, { name: 'once', expiry: { kind: 'never' } }, { once: 'V123' });
    expect(first.created).toBe(true);
    expect(again.created).toBe(false);
    expect(again.key.id).toBe(first.key.id);
    expect((await services.keys.list(alice)).keys).toHaveLength(1);
  });

  it('every change writes its audit record with actor, action, key, owner, role and expiry', async () => {
    const key = await services.keys.create(alice, { name: 'audited', expiry: { kind: 'default' } });
    await services.keys.extend(alice, { reference: 'audited', expiry: { kind: 'never' } });
    await services.keys.deactivate(alice, 'audited');
    await services.keys.activate(alice, 'audited');
    await services.keys.delete(alice, { reference: 'audited' });
    const records = (await services.audit.search({ keyId: key.key.id, limit: 10 })).reverse();
    expect(records.map((r) => r.action)).toEqual(['key.created', 'key.expiry_extended', 'key.deactivated', 'key.activated', 'key.deleted']);
    expect(records[0]).toMatchObject({
      actorId: alice,
      keyName: 'audited',
      ownerId: alice,
      roleName: 'Account Group Read Only',
      expiresAt: key.key.expiresAt,
    });
    expect((await services.audit.verifyChain()).ok).toBe(true);
  });

  it('after creation returns, no database row contains the plaintext secret', async () => {
    const result = await create('secretive');
    if (!result.created) throw new Error('expected a new key');
    const randomBody = result.secret.slice(4, 44);
    const dump = await dumpAllRows(db);
    expect(dump.tables).toEqual(
      expect.arrayContaining(['access_keys', 'audit_log', 'audit_outbox', 'access_requests', 'expiry_warnings', 'users']),
    );
    expect(dump.rows).toBeGreaterThan(5);
    expect(dump.text).not.toContain(result.secret);
    expect(dump.text).not.toContain(randomBody);
    const stored = await db.connection.db
      .selectFrom('access_keys')
      .select(['key_hash', 'secret_start', 'hash_version'])
      .executeTakeFirstOrThrow();
    expect(stored.key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored.secret_start).toBe(result.secret.slice(0, 8));
  });
});
