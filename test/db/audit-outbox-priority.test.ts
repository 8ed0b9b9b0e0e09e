import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendAudit } from '../../src/domain/audit.js';
import { appendAuditBurst } from '../support/background.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/db.js';

describe.each(dialects)('the audit outbox priority on %s', (dialect) => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase(dialect);
  });
  afterEach(async () => db.cleanup());

  const claimAt = (ms: number) => db.store.auditOutbox.claim({ now: new Date(ms), leaseMs: 60_000, maxItems: 15, spacingMs: 1000 });
  const seqs = (claim: Awaited<ReturnType<typeof claimAt>>) => (claim.kind === 'claimed' ? claim.items.map((i) => i.seq) : claim.kind);

  it('a compromised-key record behind a backlog is claimed first, alone; the backlog follows as a digest', async () => {
    await appendAuditBurst(db.store, 5);
    await db.store.write((tx) =>
      appendAudit(tx, { actorId: 'UALICE', action: 'key.reported_compromised', keyId: 'ak_x', ownerId: 'UALICE' }, new Date()),
    );
    await appendAuditBurst(db.store, 2);
    const start = Date.now();
    expect(seqs(await claimAt(start))).toEqual([6]);
    expect(seqs(await claimAt(start + 1500))).toEqual([1, 2, 3, 4, 5, 7, 8]);
  });

  it('a leaked-key record behind a backlog is claimed first, alone', async () => {
    await appendAuditBurst(db.store, 3);
    await db.store.write((tx) =>
      appendAudit(
        tx,
        { actorId: 'system', action: 'key.leaked', keyId: 'ak_x', ownerId: 'UALICE', details: { source: 'slack' } },
        new Date(),
      ),
    );
    const start = Date.now();
    expect(seqs(await claimAt(start))).toEqual([4]);
    expect(seqs(await claimAt(start + 1500))).toEqual([1, 2, 3]);
  });
});
