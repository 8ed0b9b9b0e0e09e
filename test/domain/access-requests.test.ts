import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import type { DomainDeps } from '../../src/domain/deps.js';
import type { Services } from '../../src/domain/services.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/db.js';
import { DAY_MS, makeServices, replicaOver, type TestClock } from '../support/domain.js';

describe.each(dialects)('API access requests on %s', (dialect) => {
  let db: TestDatabase;
  let services: Services;
  let clock: TestClock;
  let deps: DomainDeps;

  beforeEach(async () => {
    db = await createTestDatabase(dialect);
    ({ services, clock, deps } = await makeServices(db.store, { admins: ['UADMIN', 'UADMIN2'] }));
  });
  afterEach(async () => db.cleanup());

  it('two admins deciding at once through separate connections decide once', async () => {
    const request = await services.access.request('UBOB', { reason: 'ci', ttlDays: 7 });
    const other = replicaOver(deps, (await db.openAnother()).store);
    const results = await Promise.all([
      services.access.decide('UADMIN', { requestId: request.id, decision: 'approve' }),
      other.access.decide('UADMIN2', { requestId: request.id, decision: 'deny', reason: 'no' }),
    ]);
    expect(results.map((r) => r.outcome).sort()).toEqual(['already', 'decided']);
    const decided = results.find((r) => r.outcome === 'decided');
    const records = (await services.audit.search({ userId: 'UBOB', limit: 20 })).filter(
      (r) => r.action === 'api_access.approved' || r.action === 'api_access.denied',
    );
    expect(records).toHaveLength(1);
    expect((await services.users.context('UBOB')).hasApiAccess).toBe(decided?.request.status === 'approved');
  });

  it('a pending request blocks a second one until it expires; expiry is audited once', async () => {
    const first = await services.access.request('UBOB', { ttlDays: 7 });
    // Until its card is in the approvals channel, asking again hands the same request back to post.
    expect((await services.access.request('UBOB', { reason: 'again', ttlDays: 7 })).id).toBe(first.id);
    await services.access.recordCard(first.id, 'C0APPROVE', '1700000000.000100');
    await expect(services.access.request('UBOB', { reason: 'again', ttlDays: 7 })).rejects.toMatchObject({ code: 'REQUEST_PENDING' });
    clock.advance(7 * DAY_MS);
    const expired = await services.access.expireRequests();
    expect(expired.map((r) => r.id)).toEqual([first.id]);
    expect(await services.access.expireRequests()).toEqual([]);
    const second = await services.access.request('UBOB', { reason: 'again', ttlDays: 7 });
    expect(second.id).not.toBe(first.id);
    expect(
      (await services.audit.search({ userId: 'UBOB', limit: 20 })).filter((r) => r.action === 'api_access.request_expired'),
    ).toHaveLength(1);
  });

  it('a non-admin cannot decide; the attempt is audited and nothing changes', async () => {
    const request = await services.access.request('UBOB', { ttlDays: 7 });
    const error = await services.access.decide('UCAROL', { requestId: request.id, decision: 'approve' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('NOT_ADMIN');
    expect((await services.users.context('UBOB')).hasApiAccess).toBe(false);
    expect((await services.audit.search({ userId: 'UCAROL', limit: 5 }))[0]?.action).toBe('api_access.decision_refused');
  });

  it('someone who already has API access is told so instead of filing a request', async () => {
    await expect(services.access.request('UADMIN', { ttlDays: 7 })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
