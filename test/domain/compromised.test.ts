import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import type { Services } from '../../src/domain/services.js';
import { dialects, type TestDatabase } from '../support/db.js';
import { domainWithAlice } from '../support/domain.js';

async function refusalCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isAppError(error)) return error.code;
    throw error;
  }
  return 'none';
}

describe.each(dialects)('reporting a key compromised on %s', (dialect) => {
  let db: TestDatabase;
  let services: Services;

  beforeEach(async () => {
    ({ db, services } = await domainWithAlice(dialect));
  });
  afterEach(async () => db.cleanup());

  async function aliceKey(name = 'svc') {
    const created = await services.keys.create('UALICE', { name, expiry: { kind: 'never' } });
    if (!created.created) throw new Error('expected a new key');
    return created;
  }

  it('makes the key fail verification at once and audits last use and client address, queued with priority', async () => {
    const { key, secret } = await aliceKey();
    await db.store.write((tx) => tx.keys.touchLastUsed(key.id, '2026-01-15T11:00:00.000Z', '203.0.113.7'));
    const result = await services.keys.reportCompromised('UALICE', 'svc');
    expect(result).toMatchObject({ changed: true, key: { status: 'compromised' } });
    expect(await services.keys.verify(secret)).toEqual({ valid: false, code: 'INACTIVE' });
    const [record] = await services.audit.search({ keyId: key.id, limit: 1 });
    expect(record).toMatchObject({
      action: 'key.reported_compromised',
      actorId: 'UALICE',
      ownerId: 'UALICE',
      roleName: 'Account Group Read Only',
      details: { previousStatus: 'active', lastUsedAt: '2026-01-15T11:00:00.000Z', lastUsedFrom: '203.0.113.7', expired: false },
    });
    const outbox = await sql<{ seq: number; priority: number }>`select seq, priority from audit_outbox order by seq`.execute(
      db.connection.db,
    );
    expect(outbox.rows.filter((r) => Number(r.priority) === 1).map((r) => Number(r.seq))).toEqual([record?.seq]);
    expect(await services.audit.verifyChain()).toMatchObject({ ok: true });
  });

  it('reporting twice changes nothing more; deactivating a compromised key does not downgrade it', async () => {
    await aliceKey();
    await services.keys.reportCompromised('UALICE', 'svc');
    expect((await services.keys.reportCompromised('UALICE', 'svc')).changed).toBe(false);
    expect((await services.keys.deactivate('UALICE', 'svc')).changed).toBe(false);
    expect((await services.audit.search({ limit: 10 })).filter((r) => r.action === 'key.reported_compromised')).toHaveLength(1);
  });

  it('only an admin can make a compromised key active again', async () => {
    const { key, secret } = await aliceKey();
    await services.keys.reportCompromised('UALICE', 'svc');
    expect(await refusalCode(services.keys.activate('UALICE', 'svc'))).toBe('NOT_ADMIN');
    await services.keys.activate('UADMIN', key.id);
    expect((await services.keys.verify(secret)).valid).toBe(true);
  });

  it("an admin may report anyone's key by ID; another user cannot find it", async () => {
    const { key } = await aliceKey();
    expect(await refusalCode(services.keys.reportCompromised('UBOB', key.id))).toBe('KEY_NOT_FOUND');
    const result = await services.keys.reportCompromised('UADMIN', key.id);
    expect(result.changed).toBe(true);
    const [record] = await services.audit.search({ keyId: key.id, limit: 1 });
    expect(record).toMatchObject({ action: 'key.reported_compromised', actorId: 'UADMIN', ownerId: 'UALICE' });
  });

  it('the owner can rotate a compromised key: the successor works, the old key stays refused with no grace period', async () => {
    const { key, secret } = await aliceKey();
    await services.keys.reportCompromised('UALICE', 'svc');
    const rotated = await services.keys.rotate('UALICE', key.id);
    expect(rotated.old).toMatchObject({ status: 'compromised', expiresAt: null, rotatedTo: rotated.successor.id });
    expect((await services.keys.verify(rotated.secret)).valid).toBe(true);
    expect(await services.keys.verify(secret)).toEqual({ valid: false, code: 'INACTIVE' });
  });
});
