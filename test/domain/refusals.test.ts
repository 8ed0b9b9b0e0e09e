import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DomainDeps } from '../../src/domain/deps.js';
import type { Services } from '../../src/domain/services.js';
import { UsageRecorder } from '../../src/http/usage-recorder.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/db.js';
import { makeServices, type TestClock } from '../support/domain.js';

describe.each(dialects)('refused approvals share the aggregated failure windows (%s)', (dialect) => {
  let db: TestDatabase;
  let services: Services;
  let clock: TestClock;
  let recorder: UsageRecorder;
  let requestId: string;
  beforeEach(async () => {
    db = await createTestDatabase(dialect);
    let deps: DomainDeps;
    ({ services, clock, deps } = await makeServices(db.store));
    recorder = new UsageRecorder(services.usage);
    deps.refusals = recorder;
    requestId = (await services.access.request('UBOB', { reason: 'reports', ttlDays: 7 })).id;
  });
  afterEach(async () => db.cleanup());

  const refusals = async () =>
    (await services.audit.search({ userId: 'UCAROL', limit: 100 })).filter((r) => r.action === 'api_access.decision_refused');
  const refuse = (decision: 'approve' | 'deny') =>
    expect(services.access.decide('UCAROL', { requestId: requestId, decision: decision })).rejects.toMatchObject({ code: 'NOT_ADMIN' });

  it('the first refusal is written at once, the rest of the minute as one record with a count, and the next minute starts again', async () => {
    for (let i = 0; i < 5; i++) await refuse('approve');
    expect((await refusals()).map((r) => r.details.count)).toEqual([1]);
    await recorder.flush();
    expect(await refusals()).toHaveLength(1);
    clock.advance(61_000);
    await recorder.flush();
    const afterMinute = await refusals();
    expect(afterMinute.map((r) => r.details.count)).toEqual([4, 1]);
    expect(afterMinute[0]?.details).toMatchObject({ requestId, attempted: 'approve', aggregated: true });
    await refuse('approve');
    expect((await refusals()).map((r) => r.details.count)).toEqual([1, 4, 1]);
  });

  it('approve and deny attempts are counted apart, and an actor with a single refusal leaves a single record', async () => {
    await refuse('approve');
    await refuse('deny');
    await refuse('deny');
    await recorder.flush({ all: true });
    const records = await refusals();
    expect(records.map((r) => `${String(r.details.attempted)}:${String(r.details.count)}`).sort()).toEqual([
      'approve:1',
      'deny:1',
      'deny:1',
    ]);
    expect(records.reduce((sum, r) => sum + Number(r.details.count), 0)).toBe(3);
  });
});
