import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import { policyIssue } from '../../src/domain/policy.js';
import type { Services } from '../../src/domain/services.js';
import { dialects, type TestDatabase } from '../support/db.js';
import { DAY_MS, domainWithAlice, type TestClock } from '../support/domain.js';

const ROLE = 'Account Group Read Only';

async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (isAppError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a refusal');
}

describe.each(dialects)('lifetime policy per role on %s', (dialect) => {
  let db: TestDatabase;
  let services: Services;
  let clock: TestClock;

  beforeEach(async () => {
    ({ db, services, clock } = await domainWithAlice(dialect));
  });
  afterEach(async () => db.cleanup());

  const inDays = (days: number) => new Date(clock.now().getTime() + days * DAY_MS);

  it('with max-days 30, creating a key that never expires or expires later is refused, naming the policy', async () => {
    await services.roles.setPolicy('UADMIN', { name: ROLE, change: { setting: 'max-days', value: 30 } });
    const never = await refusal(services.keys.create('UALICE', { name: 'forever', expiry: { kind: 'never' } }));
    expect(never).toMatchObject({ code: 'POLICY_VIOLATION' });
    expect(never.message).toContain(`The ${ROLE} policy says keys expire within 30 days`);
    const late = await refusal(services.keys.create('UALICE', { name: 'late', expiry: { kind: 'at', at: inDays(31) } }));
    expect(late.message).toContain('pick an expiry on or before');
    const ok = await services.keys.create('UALICE', { name: 'fits', expiry: { kind: 'at', at: inDays(30) } });
    expect(ok.created).toBe(true);
    expect((await services.keys.list('UALICE')).keys.map((k) => k.key.name)).toEqual(['fits']);
  });

  it('expiry-required refuses "never" but accepts the one-month default', async () => {
    await services.roles.setPolicy('UADMIN', { name: ROLE, change: { setting: 'expiry-required', value: true } });
    expect(await refusal(services.keys.create('UALICE', { name: 'forever', expiry: { kind: 'never' } }))).toMatchObject({
      code: 'POLICY_VIOLATION',
    });
    const month = await services.keys.create('UALICE', { name: 'month', expiry: { kind: 'default' } });
    expect(month.key.expiresAt).not.toBeNull();
  });

  it('extend and rotate are held to the policy too; rotating works once the old key fits', async () => {
    const old = await services.keys.create('UALICE', { name: 'svc', expiry: { kind: 'at', at: inDays(90) } });
    await services.roles.setPolicy('UADMIN', { name: ROLE, change: { setting: 'max-days', value: 30 } });
    expect(await refusal(services.keys.extend('UALICE', { reference: 'svc', expiry: { kind: 'never' } }))).toMatchObject({
      code: 'POLICY_VIOLATION',
    });
    expect(await refusal(services.keys.extend('UALICE', { reference: 'svc', expiry: { kind: 'at', at: inDays(45) } }))).toMatchObject({
      code: 'POLICY_VIOLATION',
    });
    const rotation = await refusal(services.keys.rotate('UALICE', 'svc'));
    expect(rotation.code).toBe('POLICY_VIOLATION');
    expect(rotation.message).toContain('change "svc"\'s expiry to fit first');
    // The refusals changed nothing.
    expect((await services.keys.show('UALICE', old.key.id)).key.expiresAt).toBe(old.key.expiresAt);
    await services.keys.extend('UALICE', { reference: 'svc', expiry: { kind: 'at', at: inDays(20) } });
    const rotated = await services.keys.rotate('UALICE', 'svc');
    expect(Date.parse(rotated.successor.expiresAt ?? '')).toBeLessThanOrEqual(inDays(30).getTime());
  });

  it('keys made before a policy are flagged, never changed', async () => {
    const forever = await services.keys.create('UALICE', { name: 'forever', expiry: { kind: 'never' } });
    const long = await services.keys.create('UALICE', { name: 'long', expiry: { kind: 'at', at: inDays(200) } });
    await services.roles.setPolicy('UADMIN', { name: ROLE, change: { setting: 'max-days', value: 90 } });
    // Both were made at the same instant: order by name to compare.
    const keys = (await services.keys.list('UALICE')).keys.sort((a, b) => a.key.name.localeCompare(b.key.name));
    expect(keys.map((k) => [k.key.id, k.key.expiresAt])).toEqual([
      [forever.key.id, null],
      [long.key.id, long.key.expiresAt],
    ]);
    const flags = keys.map((k) => policyIssue(k.key, k.role, clock.now()));
    expect(flags[0]).toContain('never expires');
    expect(flags[1]).toContain('expires later than the');
    // As time passes the long key comes within the limit and is no longer flagged.
    clock.advance(120 * DAY_MS);
    expect(policyIssue(keys[1]?.key ?? forever.key, keys[1]?.role, clock.now())).toBeUndefined();
  });

  it('a policy change is audited with before and after, and only admins may change it', async () => {
    await services.keys.create('UALICE', { name: 'forever', expiry: { kind: 'never' } });
    expect(await refusal(services.roles.setPolicy('UALICE', { name: ROLE, change: { setting: 'max-days', value: 7 } }))).toMatchObject({
      code: 'NOT_ADMIN',
    });
    await services.roles.setPolicy('UADMIN', { name: ROLE, change: { setting: 'max-days', value: 7 } });
    const again = await services.roles.setPolicy('UADMIN', { name: ROLE, change: { setting: 'max-days', value: 7 } });
    expect(again.changed).toBe(false);
    await services.roles.setPolicy('UADMIN', { name: ROLE, change: { setting: 'max-days', value: null } });
    const records = (await services.audit.search({ limit: 10 })).filter((r) => r.action === 'role.policy_changed');
    expect(records.map((r) => [r.actorId, r.roleName, r.details])).toEqual([
      ['UADMIN', ROLE, { maxDays: null, expiryRequired: false, previousMaxDays: 7, previousExpiryRequired: false, keysOutOfPolicy: 0 }],
      ['UADMIN', ROLE, { maxDays: 7, expiryRequired: false, previousMaxDays: null, previousExpiryRequired: false, keysOutOfPolicy: 1 }],
    ]);
    // Cleared: "never" is allowed again.
    expect((await services.keys.create('UALICE', { name: 'again', expiry: { kind: 'never' } })).created).toBe(true);
    expect(await services.audit.verifyChain()).toMatchObject({ ok: true });
  });

  it('max-days outside 1–3650 is refused', async () => {
    expect(await refusal(services.roles.setPolicy('UADMIN', { name: ROLE, change: { setting: 'max-days', value: 0 } }))).toMatchObject({
      code: 'INVALID_INPUT',
    });
    expect(await refusal(services.roles.setPolicy('UADMIN', { name: ROLE, change: { setting: 'max-days', value: 3651 } }))).toMatchObject({
      code: 'INVALID_INPUT',
    });
  });
});
