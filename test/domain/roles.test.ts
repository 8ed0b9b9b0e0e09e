import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import type { Services } from '../../src/domain/services.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/db.js';
import { makeServices } from '../support/domain.js';

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'no error',
    (e: unknown) => (e instanceof AppError ? e.code : Promise.reject(e)),
  );

describe.each(dialects)('roles and membership on %s', (dialect) => {
  let db: TestDatabase;
  let services: Services;

  beforeEach(async () => {
    db = await createTestDatabase(dialect);
    ({ services } = await makeServices(db.store, { admins: ['UADMIN'] }));
  });
  afterEach(async () => db.cleanup());

  it("the built-in roles are seeded with Prisma Cloud's names and limits", async () => {
    const roles = await services.roles.list('UADMIN');
    expect(roles.map((r) => [r.name, r.maxKeys])).toEqual([
      ['Account and Cloud Provisioning Admin', 2],
      ['Account Group Admin', 2],
      ['Account Group Read Only', 2],
      ['Build and Deploy Security', 1],
      ['Cloud Provisioning Admin', 2],
      ['System Admin', 2],
    ]);
  });

  it('every user holds the default role from first contact, as the active role, without API access', async () => {
    const ctx = await services.users.context('UNEW');
    expect(ctx.roles.map((r) => r.name)).toEqual(['Account Group Read Only']);
    expect(ctx.activeRole?.name).toBe('Account Group Read Only');
    expect(ctx.hasApiAccess).toBe(false);
  });

  it('bootstrap admins hold System Admin after start-up, idempotently and audited once', async () => {
    expect(await services.users.bootstrapAdmins(['UADMIN', 'UOPS'])).toEqual(['UOPS']);
    expect(await services.users.bootstrapAdmins(['UADMIN', 'UOPS'])).toEqual([]);
    expect((await services.users.context('UOPS')).isAdmin).toBe(true);
    const assigned = (await services.audit.search({ userId: 'UOPS', limit: 10 })).filter((r) => r.action === 'role.assigned');
    expect(assigned).toHaveLength(1);
  });

  it('deleting a role deletes every key tied to it, audits each, and members lose the role (R4)', async () => {
    await services.roles.create('UADMIN', { name: 'Data Science', maxKeys: 2 });
    for (const user of ['UA', 'UB']) {
      await services.access.grant('UADMIN', user);
      await services.roles.assign('UADMIN', { userId: user, roleName: 'data science' });
      await services.users.switchRole(user, 'Data Science');
    }
    const a = await services.keys.create('UA', { name: 'model', expiry: { kind: 'never' } });
    const b = await services.keys.create('UB', { name: 'notebook', expiry: { kind: 'never' } });
    const kept = await services.keys.create('UADMIN', { name: 'admin', expiry: { kind: 'never' } });
    const preview = await services.roles.previewDeletion('UADMIN', 'Data Science');
    expect(preview.keys.map((k) => k.name).sort()).toEqual(['model', 'notebook']);
    await services.roles.delete('UADMIN', { name: 'Data Science' });
    for (const created of [a, b]) {
      if (!created.created) throw new Error('expected new keys');
      expect(await services.keys.verify(created.secret)).toEqual({ valid: false, code: 'NOT_FOUND' });
    }
    expect(kept.created && (await services.keys.verify(kept.secret)).valid).toBe(true);
    const ctx = await services.users.context('UA');
    expect(ctx.roles.map((r) => r.name)).toEqual(['Account Group Read Only']);
    expect(ctx.activeRole?.name).toBe('Account Group Read Only');
    const deletions = (await services.audit.search({ limit: 50 })).filter((r) => r.action === 'key.deleted_by_role_deletion');
    expect(deletions.map((r) => r.keyName).sort()).toEqual(['model', 'notebook']);
    expect((await services.audit.verifyChain()).ok).toBe(true);
  });

  it('System Admin and the default role cannot be deleted, and the last admin cannot lose System Admin', async () => {
    expect(await codeOf(services.roles.delete('UADMIN', { name: 'System Admin' }))).toBe('PROTECTED_ROLE');
    expect(await codeOf(services.roles.delete('UADMIN', { name: 'Account Group Read Only' }))).toBe('PROTECTED_ROLE');
    expect(await codeOf(services.roles.remove('UADMIN', { userId: 'UADMIN', roleName: 'System Admin' }))).toBe('LAST_ADMIN');
    await services.roles.assign('UADMIN', { userId: 'UOTHER', roleName: 'System Admin' });
    expect(await codeOf(services.roles.remove('UADMIN', { userId: 'UADMIN', roleName: 'System Admin' }))).toBe('no error');
  });

  it("removing a role from a user deletes that user's keys for the role only", async () => {
    await services.access.grant('UADMIN', 'UA');
    await services.roles.assign('UADMIN', { userId: 'UA', roleName: 'Account Group Admin' });
    await services.keys.create('UA', { name: 'ro', expiry: { kind: 'never' } });
    await services.users.switchRole('UA', 'Account Group Admin');
    await services.keys.create('UA', { name: 'admin', expiry: { kind: 'never' } });
    expect(
      (await services.roles.previewRemoval('UADMIN', { userId: 'UA', roleName: 'Account Group Admin' })).keys.map((k) => k.name),
    ).toEqual(['admin']);
    await services.roles.remove('UADMIN', { userId: 'UA', roleName: 'Account Group Admin' });
    expect((await services.keys.list('UA', { allRoles: true })).keys.map((k) => k.key.name)).toEqual(['ro']);
    expect((await services.users.context('UA')).activeRole?.name).toBe('Account Group Read Only');
  });

  it('role administration is for admins only, and names are validated', async () => {
    expect(await codeOf(services.roles.create('UNOBODY', { name: 'Mine' }))).toBe('NOT_ADMIN');
    expect(await codeOf(services.roles.create('UADMIN', { name: '' }))).toBe('INVALID_INPUT');
    expect(await codeOf(services.roles.create('UADMIN', { name: 'x', maxKeys: 0 }))).toBe('INVALID_INPUT');
    expect(await codeOf(services.roles.create('UADMIN', { name: 'system admin' }))).toBe('ROLE_EXISTS');
    expect(await codeOf(services.roles.assign('UADMIN', { userId: 'UA', roleName: 'Nope' }))).toBe('ROLE_NOT_FOUND');
  });
});
