import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../src/domain/model.js';
import type { DomainDeps } from '../../src/domain/deps.js';
import type { Services } from '../../src/domain/services.js';
import { isAppError } from '../../src/errors.js';
import { dialects, type TestDatabase } from '../support/db.js';
import { domainWithAlice, replicaOver } from '../support/domain.js';

const ALICE = 'UALICE';
const BOB = 'UBOB';
const CAROL = 'UCAROL';

async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (isAppError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  return { code: 'none', message: '' };
}

describe.each(dialects)('keys follow people on %s', (dialect) => {
  let db: TestDatabase;
  let services: Services;
  let deps: DomainDeps;

  beforeEach(async () => {
    ({ db, services, deps } = await domainWithAlice(dialect));
  });
  afterEach(async () => db.cleanup());

  async function keyOf(ownerId: string, name: string) {
    const created = await services.keys.create(ownerId, { name, expiry: { kind: 'never' } });
    if (!created.created) throw new Error('expected a new key');
    return created;
  }

  async function queued(kind: string): Promise<Array<Record<string, unknown>>> {
    const rows = await sql<{ payload: string }>`select payload from notification_outbox where kind = ${kind} order by id`.execute(
      db.connection.db,
    );
    return rows.rows.map((r) => JSON.parse(r.payload) as Record<string, unknown>);
  }

  async function actions(action: string) {
    return (await services.audit.search({ limit: 200 })).filter((r) => r.action === action);
  }

  it('a deactivated person loses every key, their API access and open requests at once, with one card', async () => {
    const one = await keyOf(ALICE, 'ci');
    const two = await keyOf(ALICE, 'reports');
    await services.keys.deactivate(ALICE, 'reports');
    await services.access.request(BOB, { reason: 'deploys', ttlDays: 7 });
    await services.access.grant('UADMIN', BOB);
    await keyOf(BOB, 'bob-ci');
    const opened = await services.access.request(CAROL, { reason: 'x', ttlDays: 7 });

    const result = await services.offboardPerson(SYSTEM_ACTOR, { userId: ALICE }, { source: 'event' });
    expect(result.count).toBe(1);
    expect(result.offboardingId).not.toBeNull();
    expect(await services.keys.verify(one.secret)).toEqual({ valid: false, code: 'INACTIVE' });
    expect(await services.keys.verify(two.secret)).toEqual({ valid: false, code: 'INACTIVE' });
    expect((await services.users.context(ALICE)).hasApiAccess).toBe(false);
    expect(await actions('key.inactivated_offboarding')).toEqual([
      expect.objectContaining({ actorId: SYSTEM_ACTOR, keyId: one.key.id, ownerId: ALICE, details: { source: 'event' } }),
    ]);
    expect(await actions('api_access.revoked')).toEqual([
      expect.objectContaining({ ownerId: ALICE, details: { reason: 'offboarding', source: 'event' } }),
    ]);
    // Bob and Carol are untouched.
    expect((await services.keys.list(BOB)).keys.every((k) => k.key.status === 'active')).toBe(true);
    expect((await db.store.read.accessRequests.findPending(CAROL))?.id).toBe(opened.id);

    const [card] = await queued('offboarding.card');
    expect(card).toEqual({ kind: 'offboarding.card', offboardingId: result.offboardingId });
    const offboarding = await db.store.read.offboardings.find(result.offboardingId ?? '');
    expect(offboarding?.keys.map((k) => [k.keyName, k.roleName, k.decision])).toEqual([
      ['ci', 'Account Group Read Only', null],
      ['reports', 'Account Group Read Only', null],
    ]);
  });

  it("ends the leaver's open API-access request, marking it denied without a DM", async () => {
    const request = await services.access.request(CAROL, { reason: 'x', ttlDays: 7 });
    await services.offboardPerson(SYSTEM_ACTOR, { userId: CAROL }, { source: 'event' });
    const after = await db.store.read.accessRequests.find(request.id);
    expect(after).toMatchObject({ status: 'denied', decidedBy: SYSTEM_ACTOR });
    expect(await actions('api_access.denied')).toHaveLength(1);
    expect(await queued('request.decision_dm')).toEqual([]);
    // Carol had no keys: no card.
    expect(await queued('offboarding.card')).toEqual([]);
  });

  it('a replay, a second event and a second replica act once', async () => {
    await keyOf(ALICE, 'ci');
    const other = await db.openAnother();
    const replica = replicaOver(deps, other.store);
    const results = await Promise.all([
      services.offboardPerson(SYSTEM_ACTOR, { userId: ALICE }, { source: 'event' }),
      replica.offboardPerson(SYSTEM_ACTOR, { userId: ALICE }, { source: 'event' }),
      services.offboardPerson(SYSTEM_ACTOR, { userId: ALICE }, { source: 'reconcile' }),
    ]);
    expect(results.map((r) => r.count).reduce((a, b) => a + b, 0)).toBe(1);
    expect(results.filter((r) => r.offboardingId !== null)).toHaveLength(1);
    expect(await queued('offboarding.card')).toHaveLength(1);
    expect(await actions('key.inactivated_offboarding')).toHaveLength(1);
  });

  it('a reactivated account gets nothing back; a later deactivation offboards afresh', async () => {
    const { secret } = await keyOf(ALICE, 'ci');
    await services.offboardPerson(SYSTEM_ACTOR, { userId: ALICE });
    expect(await services.offboarding.reactivated(ALICE)).toBe(true);
    expect(await services.keys.verify(secret)).toEqual({ valid: false, code: 'INACTIVE' });
    expect((await services.users.context(ALICE)).hasApiAccess).toBe(false);
    await services.access.grant('UADMIN', ALICE);
    await services.keys.activate(ALICE, 'ci');
    const again = await services.offboardPerson(SYSTEM_ACTOR, { userId: ALICE });
    expect(again.count).toBe(1);
    expect(await queued('offboarding.card')).toHaveLength(2);
  });

  it('after a reactivation Slack never told us of, a later deactivation still stops the keys made since', async () => {
    await keyOf(ALICE, 'ci');
    await services.offboardPerson(SYSTEM_ACTOR, { userId: ALICE });
    // No reactivated(): the event was missed. Alice is given access again and makes a new key.
    await services.access.grant('UADMIN', ALICE);
    const later = await keyOf(ALICE, 'later');
    const again = await services.offboardPerson(SYSTEM_ACTOR, { userId: ALICE }, { source: 'reconcile' });
    expect(again.count).toBe(1);
    expect(await services.keys.verify(later.secret)).toEqual({ valid: false, code: 'INACTIVE' });
    expect((await services.users.context(ALICE)).hasApiAccess).toBe(false);
    // A second card, listing only what changed.
    const cards = await queued('offboarding.card');
    expect(cards).toHaveLength(2);
    const second = await db.store.read.offboardings.find(again.offboardingId ?? '');
    expect(second?.keys.map((k) => k.keyName)).toEqual(['later']);
  });

  it('a person offboarding someone must be an admin; an admin may', async () => {
    await keyOf(ALICE, 'ci');
    expect((await refusal(services.offboardPerson(BOB, { userId: ALICE }))).code).toBe('NOT_ADMIN');
    expect((await services.offboardPerson('UADMIN', { userId: ALICE }, { source: 'workflow_step' })).count).toBe(1);
  });

  describe('transfer', () => {
    beforeEach(async () => {
      await services.access.grant('UADMIN', BOB);
    });

    it('moves the key to someone holding its role and API access; audited with both; both told', async () => {
      const { key, secret } = await keyOf(ALICE, 'ci');
      const result = await services.offboarding.transfer('UADMIN', { reference: key.id, newOwnerId: BOB });
      expect(result).toMatchObject({ fromOwnerId: ALICE, key: { ownerId: BOB, status: 'active' } });
      expect((await services.keys.list(BOB)).keys.map((k) => k.key.id)).toEqual([key.id]);
      expect((await services.keys.verify(secret)).valid).toBe(true);
      expect(await actions('key.transferred')).toEqual([
        expect.objectContaining({ actorId: 'UADMIN', keyId: key.id, ownerId: BOB, details: { fromOwnerId: ALICE, toOwnerId: BOB } }),
      ]);
      expect((await queued('key.transferred_dm')).map((n) => n.recipientId)).toEqual([BOB, ALICE]);
    });

    it('refuses a new owner without the role, without API access, or at the role limit; only admins transfer', async () => {
      const { key } = await keyOf(ALICE, 'ci');
      await services.roles.create('UADMIN', { name: 'Ops', maxKeys: 1 });
      await services.roles.assign('UADMIN', { userId: ALICE, roleName: 'Ops' });
      await services.users.switchRole(ALICE, 'Ops');
      const ops = await keyOf(ALICE, 'ops-key');

      const noRole = await refusal(services.offboarding.transfer('UADMIN', { reference: ops.key.id, newOwnerId: BOB }));
      expect(noRole).toMatchObject({ code: 'NOT_ROLE_MEMBER' });
      expect(noRole.message).toContain("doesn't hold Ops");

      const noAccess = await refusal(services.offboarding.transfer('UADMIN', { reference: key.id, newOwnerId: CAROL }));
      expect(noAccess).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('no API access') });

      await services.roles.assign('UADMIN', { userId: BOB, roleName: 'Ops' });
      await services.users.switchRole(BOB, 'Ops');
      await keyOf(BOB, 'bob-ops');
      const full = await refusal(services.offboarding.transfer('UADMIN', { reference: ops.key.id, newOwnerId: BOB }));
      expect(full).toMatchObject({ code: 'KEY_LIMIT_REACHED' });
      expect(full.message).toContain('Ops: 1 of 1 keys used');

      expect((await refusal(services.offboarding.transfer(BOB, { reference: key.id, newOwnerId: BOB }))).code).not.toBe('none');
      expect(await actions('key.transferred')).toEqual([]);
      expect((await db.store.read.keys.findById(ops.key.id))?.ownerId).toBe(ALICE);
    });
  });

  describe('the card', () => {
    let offboardingId: string;
    let ci: string;
    let reports: string;
    const card = { channel: 'C0AUDIT', ts: '1700000000.000100' };

    beforeEach(async () => {
      await services.access.grant('UADMIN', BOB);
      ci = (await keyOf(ALICE, 'ci')).key.id;
      reports = (await keyOf(ALICE, 'reports')).key.id;
      offboardingId = (await services.offboardPerson(SYSTEM_ACTOR, { userId: ALICE })).offboardingId ?? '';
    });

    it('Transfer to… moves the key (still inactive) and updates the card; the leaver is not DMed', async () => {
      const result = await services.offboarding.act(
        'UADMIN',
        { offboardingId, keyId: ci, action: { kind: 'transfer', newOwnerId: BOB } },
        { once: 'click:1', card },
      );
      expect(result.outcome).toBe('decided');
      const key = await db.store.read.keys.findById(ci);
      expect(key).toMatchObject({ ownerId: BOB, status: 'inactive' });
      expect((await queued('key.transferred_dm')).map((n) => n.recipientId)).toEqual([BOB]);
      expect(await queued('offboarding.card_update')).toEqual([{ kind: 'offboarding.card_update', offboardingId, ...card }]);
      const after = await db.store.read.offboardings.find(offboardingId);
      expect(after?.keys.find((k) => k.keyId === ci)).toMatchObject({ decision: 'transferred', decidedBy: 'UADMIN', newOwnerId: BOB });
    });

    it('a refused transfer changes nothing and leaves the key open on the card', async () => {
      const refused = await refusal(
        services.offboarding.act('UADMIN', { offboardingId, keyId: ci, action: { kind: 'transfer', newOwnerId: CAROL } }, { card }),
      );
      expect(refused.message).toContain('The new owner has no API access');
      expect((await db.store.read.offboardings.find(offboardingId))?.keys.every((k) => k.decision === null)).toBe(true);
      expect(await queued('offboarding.card_update')).toEqual([]);
    });

    it('Delete deletes (audited) and Keep inactive keeps (audited); a second press or another admin decides nothing more', async () => {
      await services.offboarding.act('UADMIN', { offboardingId, keyId: ci, action: { kind: 'delete' } }, { once: 'click:a', card });
      await services.offboarding.act('UADMIN', { offboardingId, keyId: reports, action: { kind: 'keep' } }, { once: 'click:b', card });
      expect(await db.store.read.keys.findById(ci)).toBeUndefined();
      expect((await db.store.read.keys.findById(reports))?.status).toBe('inactive');
      expect(await actions('key.deleted')).toEqual([
        expect.objectContaining({ keyId: ci, details: { reason: 'offboarding', offboardingId } }),
      ]);
      expect(await actions('key.kept_inactive')).toEqual([expect.objectContaining({ keyId: reports })]);

      // Slack's retry of the first press, and a fresh press by a second admin.
      await services.roles.assign('UADMIN', { userId: CAROL, roleName: 'System Admin' });
      const replay = await services.offboarding.act(
        'UADMIN',
        { offboardingId, keyId: ci, action: { kind: 'delete' } },
        { once: 'click:a', card },
      );
      const second = await services.offboarding.act(
        CAROL,
        { offboardingId, keyId: reports, action: { kind: 'delete' } },
        { once: 'click:c', card },
      );
      expect(replay.outcome).toBe('already');
      expect(second).toMatchObject({ outcome: 'already', key: { decidedBy: 'UADMIN', decision: 'kept_inactive' } });
      expect((await db.store.read.keys.findById(reports))?.status).toBe('inactive');
      expect(await actions('key.deleted')).toHaveLength(1);
      expect(await queued('offboarding.card_update')).toHaveLength(2);
    });

    it('only admins act on the card', async () => {
      expect((await refusal(services.offboarding.act(BOB, { offboardingId, keyId: ci, action: { kind: 'delete' } }))).code).toBe(
        'NOT_ADMIN',
      );
      expect(await db.store.read.keys.findById(ci)).toBeDefined();
    });
  });
});
