import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Services } from '../../src/domain/services.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/db.js';
import { makeServices, type TestClock } from '../support/domain.js';

describe.each(dialects)('BOOTSTRAP_ADMINS decides the new admin’s open request, on %s', (dialect) => {
  let db: TestDatabase;
  let services: Services;
  let clock: TestClock;

  beforeEach(async () => {
    db = await createTestDatabase(dialect);
    ({ services, clock } = await makeServices(db.store));
  });
  afterEach(async () => db.cleanup());

  it('approved by the system with one DM queued; a later Deny finds it decided', async () => {
    const request = await services.access.request('UBOB', { reason: 'ci', ttlDays: 7 });
    await services.access.recordCard(request.id, 'C0APPROVE', '1700000000.000100');
    expect(await services.users.bootstrapAdmins(['UBOB'])).toEqual(['UBOB']);
    expect(await db.store.read.accessRequests.find(request.id)).toMatchObject({ status: 'approved', decidedBy: 'system' });
    const queued = await db.store.notifications.claim({ now: clock.now(), leaseMs: 60_000, maxItems: 10 });
    expect(queued.map((q) => q.notification?.kind).sort()).toEqual(['request.card_update', 'request.decision_dm']);
    expect((await services.access.decide('UADMIN', { requestId: request.id, decision: 'deny', reason: 'no' })).outcome).toBe('already');
    const approvals = (await services.audit.search({ userId: 'UBOB', limit: 20 })).filter((r) => r.action === 'api_access.approved');
    expect(approvals.map((r) => r.details)).toEqual([{ requestId: request.id, via: 'system_admin' }]);
  });
});
