import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hourOf } from '../../src/domain/usage-counts.js';
import type { Services } from '../../src/domain/services.js';
import { prepareNotification } from '../../src/scheduler/notification-kinds.js';
import { dialects, type TestDatabase } from '../support/db.js';
import { DAY_MS, domainWithAlice, jobsOver, type TestClock } from '../support/domain.js';

const MINUTE = 60_000;

describe.each(dialects)('rotation grace that looks before it cuts, on %s', (dialect) => {
  let db: TestDatabase;
  let services: Services;
  let clock: TestClock;
  let old: { id: string; secret: string };
  beforeEach(async () => {
    ({ db, services, clock } = await domainWithAlice(dialect));
    const created = await services.keys.create('UALICE', { name: 'deploy', expiry: { kind: 'never' } });
    if (!created.created) throw new Error('expected a new key');
    old = { id: created.key.id, secret: created.secret };
    await services.keys.rotate('UALICE', 'deploy');
  });
  afterEach(async () => db.cleanup());

  /** Uses of the old key as the usage recorder writes them: last used and the hourly counters. */
  const useOldKey = async (times: number) => {
    const at = clock.now();
    await services.usage.recordKeyUses([{ keyId: old.id, at: at.toISOString(), clientAddress: '192.0.2.1', usedBefore: false }]);
    await services.usage.recordUsageCounts([
      { keyId: old.id, hour: hourOf(at.getTime()), dimension: 'all', label: '', outcome: 'valid', count: times },
    ]);
  };
  const questions = async () =>
    (
      await db.connection.db.selectFrom('notification_outbox').select('payload').where('kind', '=', 'rotation.grace_question').execute()
    ).map((row) => JSON.parse(row.payload) as Record<string, unknown>);
  const expiresAt = async () => (await services.keys.show('UALICE', old.id)).key.expiresAt;
  const actions = async () => (await services.audit.search({ keyId: old.id, limit: 20 })).map((r) => r.action);

  it('an old key used in the last hour is kept 24 h more, audited, and its owner asked once with its uses', async () => {
    const graceEnd = (await expiresAt()) ?? '';
    clock.advance(6 * 3_600_000);
    await useOldKey(40);
    clock.advance(DAY_MS - 6 * 3_600_000 - 40 * MINUTE);
    await useOldKey(2);
    expect(await services.keys.checkRotationGrace()).toBe(1);
    expect(await services.keys.checkRotationGrace()).toBe(0);
    expect(await expiresAt()).toBe(new Date(Date.parse(graceEnd) + DAY_MS).toISOString());
    expect(await questions()).toEqual([
      { kind: 'rotation.grace_question', keyId: old.id, previousExpiresAt: graceEnd, usesSinceRotation: 42 },
    ]);
    expect((await actions())[0]).toBe('key.rotation_grace_extended');
    // Past the old end it still works; without an answer it expires 24 h later.
    clock.set(new Date(Date.parse(graceEnd) + MINUTE));
    expect((await services.keys.verify(old.secret)).valid).toBe(true);
    clock.set(new Date(Date.parse(graceEnd) + DAY_MS));
    expect(await services.keys.verify(old.secret)).toMatchObject({ valid: false, code: 'EXPIRED' });
  });

  it('an old key not used in the last hour is cut at the end of its grace, asking no one', async () => {
    await useOldKey(3);
    clock.advance(DAY_MS - 30 * MINUTE);
    expect(await services.keys.checkRotationGrace()).toBe(0);
    expect(await questions()).toEqual([]);
    clock.advance(30 * MINUTE);
    expect(await services.keys.verify(old.secret)).toMatchObject({ valid: false, code: 'EXPIRED' });
  });

  it('the owner decides both ways: Extend grace 24 h, then Expire now; each audited; others may not', async () => {
    clock.advance(DAY_MS - 30 * MINUTE);
    await useOldKey(1);
    await services.keys.checkRotationGrace();
    const kept = Date.parse((await expiresAt()) ?? '');
    const extended = await services.keys.decideGrace('UALICE', { reference: old.id, decision: 'extend' }, { once: 'click-1' });
    expect(Date.parse(extended.expiresAt ?? '')).toBe(kept + DAY_MS);
    // The same click again (a replay) extends nothing more.
    await services.keys.decideGrace('UALICE', { reference: old.id, decision: 'extend' }, { once: 'click-1' });
    expect(Date.parse((await expiresAt()) ?? '')).toBe(kept + DAY_MS);
    await expect(services.keys.decideGrace('UADMIN', { reference: old.id, decision: 'expire' })).rejects.toMatchObject({
      code: 'KEY_NOT_FOUND',
    });

    await services.keys.decideGrace('UALICE', { reference: old.id, decision: 'expire' }, { once: 'click-2' });
    expect(await services.keys.verify(old.secret)).toMatchObject({ valid: false, code: 'EXPIRED' });
    expect((await actions()).slice(0, 3)).toEqual([
      'key.rotation_grace_ended',
      'key.rotation_grace_extended',
      'key.rotation_grace_extended',
    ]);
    await expect(services.keys.decideGrace('UALICE', { reference: old.id, decision: 'extend' })).rejects.toMatchObject({
      code: 'KEY_EXPIRED',
    });
    expect((await services.audit.verifyChain()).ok).toBe(true);
  });

  it('a key made inactive during its grace: the queued question is cancelled and Extend is refused', async () => {
    clock.advance(DAY_MS - 30 * MINUTE);
    await useOldKey(1);
    expect(await services.keys.checkRotationGrace()).toBe(1);
    await services.keys.deactivate('UALICE', old.id);
    const [question] = await questions();
    const prepared = await prepareNotification(question as Parameters<typeof prepareNotification>[0], {
      read: jobsOver(db.store, clock.now).ports.read,
      now: clock.now(),
      queuedAt: clock.now().toISOString(),
      staleKeyAutoInactiveAfterMs: undefined,
    });
    expect(prepared).toEqual({ cancel: 'key_inactive' });
    const before = await expiresAt();
    await expect(services.keys.decideGrace('UALICE', { reference: old.id, decision: 'extend' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('is inactive'),
    });
    expect(await expiresAt()).toBe(before);
  });

  it('keeping and extending stop at 7 days after the rotation', async () => {
    const rotatedAt = clock.now().getTime();
    const limit = new Date(rotatedAt + 7 * DAY_MS).toISOString();
    // Used every day before each grace end: kept each time, never past the limit.
    for (let day = 0; day < 8; day++) {
      const end = Date.parse((await expiresAt()) ?? '');
      if (end - 30 * MINUTE <= clock.now().getTime()) break;
      clock.set(new Date(end - 30 * MINUTE));
      await useOldKey(1);
      await services.keys.checkRotationGrace();
    }
    expect(await expiresAt()).toBe(limit);
    await expect(services.keys.decideGrace('UALICE', { reference: old.id, decision: 'extend' })).rejects.toMatchObject({
      code: 'POLICY_VIOLATION',
    });
    expect(await expiresAt()).toBe(limit);
    clock.set(new Date(Date.parse(limit)));
    expect(await services.keys.verify(old.secret)).toMatchObject({ valid: false, code: 'EXPIRED' });
  });

  it("the owner's Extend is capped at 7 days after the rotation", async () => {
    const rotatedAt = clock.now().getTime();
    for (let i = 0; i < 6; i++) await services.keys.decideGrace('UALICE', { reference: old.id, decision: 'extend' }, { once: `c${i}` });
    expect(await expiresAt()).toBe(new Date(rotatedAt + 7 * DAY_MS).toISOString());
    await expect(services.keys.decideGrace('UALICE', { reference: old.id, decision: 'extend' })).rejects.toMatchObject({
      code: 'POLICY_VIOLATION',
    });
  });
});
