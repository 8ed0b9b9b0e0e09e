import { afterEach, describe, expect, it } from 'vitest';
import type { Services } from '../../src/domain/services.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/db.js';
import { makeServices, replicaOver } from '../support/domain.js';

const ADA = 'UADA';
const BEN = 'UBEN';
const CAL = 'UCAL';

describe.each(dialects)('two-person rule (SPEC §17), on %s', (dialect) => {
  let db: TestDatabase;
  afterEach(async () => db.cleanup());

  async function setUp(approvals: number, admins = [ADA, BEN, CAL]) {
    db = await createTestDatabase(dialect);
    const made = await makeServices(db.store, { admins, apiAccessApprovals: approvals });
    const request = await made.services.access.request('UBOB', { reason: 'ci', ttlDays: 7 });
    await made.services.access.recordCard(request.id, 'C0APPROVE', '1700000000.000100');
    return { ...made, request };
  }
  const hasAccess = async (services: Services) => (await services.users.context('UBOB')).hasApiAccess;
  const auditOf = async (services: Services, action: string) =>
    (await services.audit.search({ userId: 'UBOB', limit: 50 })).filter((r) => r.action === action);

  it('with API_ACCESS_APPROVALS=1 one admin decides, as before, and the audit names the approver', async () => {
    const { services, request } = await setUp(1);
    expect((await services.access.decide(ADA, { requestId: request.id, decision: 'approve' })).outcome).toBe('decided');
    expect(await hasAccess(services)).toBe(true);
    expect((await auditOf(services, 'api_access.approved'))[0]?.details).toMatchObject({ approvers: ADA });
  });

  it('with 2 required the first approval is recorded (card updated, no DM), the second decides and the audit names both', async () => {
    const { services, request, clock } = await setUp(2);
    const first = await services.access.decide(ADA, { requestId: request.id, decision: 'approve' });
    expect(first).toMatchObject({ outcome: 'recorded', required: 2 });
    expect(await hasAccess(services)).toBe(false);
    const stored = await db.store.read.accessRequests.find(request.id);
    expect(stored).toMatchObject({ status: 'pending', approvalsRequired: 2 });
    expect(stored?.approvals.map((a) => a.by)).toEqual([ADA]);
    const queued = await db.store.notifications.claim({ now: clock.now(), leaseMs: 60_000, maxItems: 10 });
    expect(queued.map((q) => q.notification?.kind)).toEqual(['request.card_update']);
    expect((await auditOf(services, 'api_access.approval_recorded'))[0]?.details).toMatchObject({ approvals: 1, required: 2 });

    const second = await services.access.decide(BEN, { requestId: request.id, decision: 'approve' });
    expect(second.outcome).toBe('decided');
    expect(await hasAccess(services)).toBe(true);
    const approved = await auditOf(services, 'api_access.approved');
    expect(approved).toHaveLength(1);
    expect(approved[0]).toMatchObject({ actorId: BEN, details: { approvers: `${ADA},${BEN}` } });
  });

  it('the same admin twice counts once', async () => {
    const { services, request } = await setUp(2);
    await services.access.decide(ADA, { requestId: request.id, decision: 'approve' });
    const again = await services.access.decide(ADA, { requestId: request.id, decision: 'approve' });
    expect(again.outcome).toBe('already_approved');
    expect(await hasAccess(services)).toBe(false);
    expect((await db.store.read.accessRequests.find(request.id))?.approvals).toHaveLength(1);
    expect(await auditOf(services, 'api_access.approval_recorded')).toHaveLength(1);
  });

  it('the requester never counts, even as an admin', async () => {
    const { services, request } = await setUp(2);
    await expect(services.access.decide('UBOB', { requestId: request.id, decision: 'approve' })).rejects.toMatchObject({
      code: 'NOT_ADMIN',
    });
    expect((await db.store.read.accessRequests.find(request.id))?.approvals).toEqual([]);
  });

  it('a Deny after one approval ends it, and the audit keeps who had approved', async () => {
    const { services, request } = await setUp(2);
    await services.access.decide(ADA, { requestId: request.id, decision: 'approve' });
    expect((await services.access.decide(BEN, { requestId: request.id, decision: 'deny', reason: 'no' })).outcome).toBe('decided');
    expect((await services.access.decide(CAL, { requestId: request.id, decision: 'approve' })).outcome).toBe('already');
    expect(await hasAccess(services)).toBe(false);
    expect((await auditOf(services, 'api_access.denied'))[0]).toMatchObject({ actorId: BEN, details: { approvers: ADA } });
  });

  it('with fewer admins than required, every admin but the requester is enough', async () => {
    const { services, request } = await setUp(3, [ADA, BEN]);
    expect((await services.access.decide(ADA, { requestId: request.id, decision: 'approve' })).outcome).toBe('recorded');
    expect((await services.access.decide(BEN, { requestId: request.id, decision: 'approve' })).outcome).toBe('decided');
  });

  it('concurrent presses by two admins on two replicas: exactly one decision', async () => {
    const { services, request, deps } = await setUp(2);
    const replica = replicaOver(deps, (await db.openAnother()).store);
    await services.access.decide(ADA, { requestId: request.id, decision: 'approve' });
    const outcomes = await Promise.all([
      services.access.decide(BEN, { requestId: request.id, decision: 'approve' }),
      replica.access.decide(CAL, { requestId: request.id, decision: 'approve' }),
    ]);
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['already', 'decided']);
    expect(await auditOf(services, 'api_access.approved')).toHaveLength(1);
    expect(await hasAccess(services)).toBe(true);
  });

  it('making a System Admin takes two admins while two or more exist', async () => {
    const { services } = await setUp(1, [ADA, BEN]);
    const first = await services.roles.assign(ADA, { userId: 'UDAN', roleName: 'System Admin' });
    expect(first).toMatchObject({ changed: false, awaiting: { approvers: [ADA], required: 2 } });
    expect((await services.users.context('UDAN')).isAdmin).toBe(false);
    const again = await services.roles.assign(ADA, { userId: 'UDAN', roleName: 'System Admin' });
    expect(again.awaiting?.approvers).toEqual([ADA]);
    const recorded = (await services.audit.search({ userId: 'UDAN', limit: 20 })).filter((r) => r.action === 'dual_control.recorded');
    expect(recorded).toHaveLength(1);
    const second = await services.roles.assign(BEN, { userId: 'UDAN', roleName: 'System Admin' });
    expect(second.changed).toBe(true);
    expect((await services.users.context('UDAN')).isAdmin).toBe(true);
    const assigned = (await services.audit.search({ userId: 'UDAN', limit: 20 })).filter((r) => r.action === 'role.assigned');
    expect(assigned.find((r) => r.roleName === 'System Admin')?.details).toMatchObject({ approvers: `${ADA},${BEN}` });
  });

  it('an agreement lapses after a day: a second admin then starts over', async () => {
    const { services, clock } = await setUp(1, [ADA, BEN]);
    await services.roles.assign(ADA, { userId: 'UDAN', roleName: 'System Admin' });
    clock.advance(24 * 60 * 60 * 1000 + 1);
    expect(await services.roles.assign(BEN, { userId: 'UDAN', roleName: 'System Admin' })).toMatchObject({
      changed: false,
      awaiting: { approvers: [BEN] },
    });
  });

  it('a lone admin can still make a second one', async () => {
    const { services } = await setUp(1, [ADA]);
    expect((await services.roles.assign(ADA, { userId: 'UDAN', roleName: 'System Admin' })).changed).toBe(true);
  });
});
