import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DomainDeps } from '../../src/domain/deps.js';
import { SYSTEM_ACTOR } from '../../src/domain/model.js';
import type { Services } from '../../src/domain/services.js';
import { isAppError } from '../../src/errors.js';
import { bulkKeyId, insertKeysDirectly } from '../support/background.js';
import { dialects, type TestDatabase } from '../support/db.js';
import { DAY_MS, domainWithAlice, replicaOver, type TestClock } from '../support/domain.js';

const ALICE = 'UALICE';
const BOB = 'UBOB';

async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (isAppError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  return { code: 'none', message: '' };
}

describe.each(dialects)('access reviews on %s', (dialect) => {
  let db: TestDatabase;
  let services: Services;
  let deps: DomainDeps;
  let clock: TestClock;
  const keys: Record<string, string> = {};

  beforeEach(async () => {
    ({ db, services, deps, clock } = await domainWithAlice(dialect));
    await services.access.grant('UADMIN', BOB);
    for (const [owner, name] of [
      [ALICE, 'a1'],
      [ALICE, 'a2'],
      [BOB, 'b1'],
      ['UADMIN', 'root'],
    ] as const) {
      if (owner === 'UADMIN') await services.users.switchRole('UADMIN', 'System Admin');
      const created = await services.keys.create(owner, { name, expiry: { kind: 'never' } });
      if (!created.created) throw new Error('expected a new key');
      keys[name] = created.key.id;
    }
  });
  afterEach(async () => db.cleanup());

  const key = (name: string) => keys[name] ?? '';
  async function queued(kind: string): Promise<Array<Record<string, unknown>>> {
    const rows = await sql<{ payload: string }>`select payload from notification_outbox where kind = ${kind} order by id`.execute(
      db.connection.db,
    );
    return rows.rows.map((r) => JSON.parse(r.payload) as Record<string, unknown>);
  }
  const decided = async () => (await services.audit.search({ limit: 200 })).filter((r) => r.action === 'review.decided');

  it('starts over every key, or one role, and asks each owner once per key', async () => {
    const all = await services.reviews.start('UADMIN', {}, { once: 'command:1' });
    expect(all).toMatchObject({ keys: 4, replayed: false, campaign: { defaultDecision: 'inactivate', roleName: null } });
    expect(Date.parse(all.campaign.deadlineAt) - clock.now().getTime()).toBe(14 * DAY_MS);
    expect((await queued('review.key_dm')).map((n) => n.keyId).sort()).toEqual(Object.values(keys).sort());
    expect(await services.reviews.start('UADMIN', {}, { once: 'command:1' })).toMatchObject({ replayed: true });

    const admins = await services.reviews.start('UADMIN', { roleName: 'System Admin', durationMs: DAY_MS, defaultDecision: 'keep' });
    expect(admins).toMatchObject({ keys: 1, campaign: { roleName: 'System Admin', defaultDecision: 'keep' } });
    expect((await services.audit.search({ limit: 50 })).filter((r) => r.action === 'review.started')).toHaveLength(2);
    expect((await refusal(services.reviews.start(ALICE, {}))).code).toBe('NOT_ADMIN');
    expect((await refusal(services.reviews.start('UADMIN', { durationMs: 1000 }))).code).toBe('INVALID_INPUT');
  });

  it('every answer: Keep, Make inactive, Delete; each audited once; a second press decides nothing', async () => {
    const { campaign } = await services.reviews.start('UADMIN', {});
    const id = campaign.id;
    await services.reviews.answer(ALICE, { campaignId: id, keyId: key('a1'), decision: 'keep' }, { once: 'click:1' });
    await services.reviews.answer(ALICE, { campaignId: id, keyId: key('a2'), decision: 'inactivate' }, { once: 'click:2' });
    await services.reviews.answer(BOB, { campaignId: id, keyId: key('b1'), decision: 'delete' }, { once: 'click:3' });
    expect((await db.store.read.keys.findById(key('a1')))?.status).toBe('active');
    expect((await db.store.read.keys.findById(key('a2')))?.status).toBe('inactive');
    expect(await db.store.read.keys.findById(key('b1'))).toBeUndefined();

    const replay = await services.reviews.answer(ALICE, { campaignId: id, keyId: key('a1'), decision: 'delete' }, { once: 'click:1' });
    const second = await services.reviews.answer(ALICE, { campaignId: id, keyId: key('a1'), decision: 'delete' }, { once: 'click:4' });
    expect(replay.outcome).toBe('already');
    expect(second).toMatchObject({ outcome: 'already', item: { decision: 'keep' } });
    expect((await db.store.read.keys.findById(key('a1')))?.status).toBe('active');
    expect((await decided()).map((r) => [r.keyId, r.details.decision, r.actorId]).sort()).toEqual(
      [
        [key('a1'), 'keep', ALICE],
        [key('a2'), 'inactivate', ALICE],
        [key('b1'), 'delete', BOB],
      ].sort(),
    );
    // Someone else's key: refused.
    expect((await refusal(services.reviews.answer(BOB, { campaignId: id, keyId: key('root'), decision: 'delete' }))).code).toBe(
      'NOT_ADMIN',
    );
  });

  it('keeping a System Admin key needs a written reason, kept in the record and the export', async () => {
    const { campaign } = await services.reviews.start('UADMIN', {});
    const input = { campaignId: campaign.id, keyId: key('root'), decision: 'keep' as const };
    const refused = await refusal(services.reviews.answer('UADMIN', input));
    expect(refused.message).toContain('needs a written reason');
    await services.reviews.answer('UADMIN', { ...input, reason: 'break-glass automation' });
    const { rows } = await services.reviews.export('UADMIN', campaign.id);
    const row = rows.find((r) => r.item.keyId === key('root'));
    expect(row?.item).toMatchObject({ decision: 'keep', reason: 'break-glass automation', decidedBy: 'UADMIN' });
    const record = await db.store.read.audit.findBySeq(row?.item.auditSeq ?? -1);
    expect(record).toMatchObject({ action: 'review.decided', keyId: key('root'), details: { reason: 'break-glass automation' } });
    expect(row?.hash).toBe(record?.hash);
    expect((await services.audit.verifyChain()).ok).toBe(true);
  });

  it('with no answer: one reminder per owner at half time, the default at the deadline, audited; once across replicas', async () => {
    const { campaign } = await services.reviews.start('UADMIN', { durationMs: 10 * DAY_MS });
    await services.reviews.answer(BOB, { campaignId: campaign.id, keyId: key('b1'), decision: 'keep' });
    expect(await services.reviews.runDue()).toEqual({ reminded: 0, closed: 0, defaulted: 0 });

    clock.advance(5 * DAY_MS);
    const replica = replicaOver(deps, (await db.openAnother()).store);
    const [one, two] = await Promise.all([services.reviews.runDue(), replica.reviews.runDue()]);
    expect(one.reminded + two.reminded).toBe(2);
    expect((await queued('review.reminder')).map((n) => n.ownerId).sort()).toEqual(['UADMIN', ALICE]);

    clock.advance(5 * DAY_MS);
    const [three, four] = await Promise.all([services.reviews.runDue(), replica.reviews.runDue()]);
    expect(three.closed + four.closed).toBe(1);
    expect(three.defaulted + four.defaulted).toBe(3);
    expect((await db.store.read.keys.findById(key('a1')))?.status).toBe('inactive');
    expect((await db.store.read.keys.findById(key('b1')))?.status).toBe('active');
    const defaults = (await decided()).filter((r) => r.details.byDefault === true);
    expect(defaults.map((r) => r.actorId)).toEqual([SYSTEM_ACTOR, SYSTEM_ACTOR, SYSTEM_ACTOR]);
    expect((await services.audit.search({ limit: 100 })).filter((r) => r.action === 'review.closed')).toHaveLength(1);

    // After the deadline an answer changes nothing; status shows the campaign closed.
    const late = await services.reviews.answer(ALICE, { campaignId: campaign.id, keyId: key('a2'), decision: 'delete' });
    expect(late).toMatchObject({ outcome: 'already', item: { decision: 'inactivate' } });
    const [status] = await services.reviews.status('UADMIN');
    expect(status).toMatchObject({ id: campaign.id, answered: 4, open: 0 });
    expect(status?.closedAt).not.toBeNull();
    expect(await services.reviews.runDue()).toEqual({ reminded: 0, closed: 0, defaulted: 0 });
  });

  it("default keep leaves unanswered keys as they are, audited as the campaign's default", async () => {
    const { campaign } = await services.reviews.start('UADMIN', { durationMs: DAY_MS, defaultDecision: 'keep' });
    clock.advance(DAY_MS);
    expect(await services.reviews.runDue()).toMatchObject({ closed: 1, defaulted: 4 });
    expect((await db.store.read.keys.findById(key('a1')))?.status).toBe('active');
    const { rows } = await services.reviews.export('UADMIN', campaign.id);
    expect(rows.map((r) => [r.item.decision, r.item.decidedBy])).toEqual(Array(4).fill(['keep', SYSTEM_ACTOR]));
    expect(rows.every((r) => r.hash !== null)).toBe(true);
  });

  it('a campaign bigger than one batch is defaulted in short transactions, closed once, and refuses answers past its deadline', async () => {
    const role = await db.store.read.roles.findByName('Account Group Read Only');
    const at = clock.now().toISOString();
    const bulk = Array.from({ length: 450 }, (_, i) => ({
      id: bulkKeyId(i),
      ownerId: `UBULK${String(i % 90).padStart(4, '0')}`,
      expiresAt: null,
      createdAt: at,
      deliveredAt: at,
    }));
    await insertKeysDirectly(db.connection, role?.id ?? '', bulk);
    const { campaign, keys: inScope } = await services.reviews.start('UADMIN', { durationMs: DAY_MS });
    expect(inScope).toBe(454);
    clock.advance(DAY_MS);
    // Past the deadline, before any run closed it: an answer changes nothing.
    const late = await services.reviews.answer(ALICE, { campaignId: campaign.id, keyId: key('a1'), decision: 'keep' });
    expect(late).toMatchObject({ outcome: 'already', item: { decision: null } });

    const replica = replicaOver(deps, (await db.openAnother()).store);
    const [one, two] = await Promise.all([services.reviews.runDue(), replica.reviews.runDue()]);
    expect(one.defaulted + two.defaulted).toBe(454);
    expect(one.closed + two.closed).toBe(1);
    const closed = (await services.audit.search({ limit: 10 })).filter((r) => r.action === 'review.closed');
    expect(closed.map((r) => r.details)).toEqual([{ campaignId: campaign.id, keys: 454, answered: 0, defaulted: 454 }]);
    const records = await sql<{ n: number | string }>`select count(*) as n from audit_log where action = 'review.decided'`.execute(
      db.connection.db,
    );
    expect(Number(records.rows[0]?.n)).toBe(454);
  });
});
