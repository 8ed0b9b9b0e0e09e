import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccessRequest } from '../../src/domain/model.js';
import { dialects, createTestDatabase, type TestDatabase } from '../support/db.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const NOW = new Date('2030-01-10T12:00:00.000Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY_MS).toISOString();

function request(id: string, userId: string, overrides: Partial<AccessRequest>): AccessRequest {
  return {
    id,
    userId,
    reason: null,
    status: 'pending',
    createdAt: daysAgo(1),
    expiresAt: daysAgo(-6),
    decidedAt: null,
    decidedBy: null,
    decisionReason: null,
    cardChannel: null,
    cardTs: null,
    approvals: [],
    approvalsRequired: 1,
    ...overrides,
  };
}

describe.each(dialects)('the access-requests repository on %s', (dialect) => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase(dialect);
    await db.store.write(async (tx) => {
      for (const id of ['UA', 'UB', 'UC', 'UD']) await tx.users.insert({ id, activeRoleId: null, apiAccess: false, createdAt: daysAgo(9) });
      await tx.accessRequests.insert(request('r-new', 'UA', { createdAt: daysAgo(1) }));
      await tx.accessRequests.insert(request('r-old', 'UB', { createdAt: daysAgo(3) }));
      await tx.accessRequests.insert(request('r-expired', 'UC', { createdAt: daysAgo(8), expiresAt: daysAgo(1) }));
      await tx.accessRequests.insert(request('r-denied', 'UD', { createdAt: daysAgo(4), status: 'denied', decidedAt: daysAgo(2) }));
    });
  });
  afterEach(async () => db.cleanup());

  it('Store.read lists the open requests, oldest first, without decided or expired ones', async () => {
    const open = await db.store.read.accessRequests.listOpen(NOW.toISOString(), 50);
    expect(open.map((r) => r.id)).toEqual(['r-old', 'r-new']);
  });

  it('a reminder is queued once for each request open since before the cutoff', async () => {
    expect(await db.store.queueReminders(new Date(daysAgo(2)), NOW, 100)).toBe(1);
    expect(await db.store.queueReminders(new Date(daysAgo(0)), NOW, 100)).toBe(1);
    expect(await db.store.queueReminders(new Date(daysAgo(0)), NOW, 100)).toBe(0);
    const queued = await db.connection.db.selectFrom('notification_outbox').select('payload').orderBy('id').execute();
    expect(queued.map((row) => JSON.parse(String(row.payload)))).toEqual([
      { kind: 'request.reminder', requestId: 'r-old' },
      { kind: 'request.reminder', requestId: 'r-new' },
    ]);
  });
});
