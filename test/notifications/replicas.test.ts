import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/domain/ports.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/db.js';
import { DAY_MS, TestClock, makeServices } from '../support/domain.js';

describe.each(dialects)('the notification outbox with three replicas on %s', (dialect) => {
  let db: TestDatabase | undefined;
  afterEach(async () => {
    await db?.cleanup();
    db = undefined;
  });

  async function setUp() {
    db = await createTestDatabase(dialect);
    const test = db;
    const clock = new TestClock('2026-01-15T12:00:00.000Z');
    const { services } = await makeServices(test.store, { clock });
    const stores: Store[] = [test.store, (await test.openAnother()).store, (await test.openAnother()).store];
    return { test, clock, services, stores };
  }

  it('claims racing on 200 queued rows never lease one row twice, and every row is leased once', async () => {
    const { test, clock, stores } = await setUp();
    const at = clock.now().toISOString();
    for (let i = 0; i < 200; i++)
      await test.store.write((tx) =>
        tx.notifications.enqueue({ kind: 'keys_deleted.dm', ownerId: `UOWNER${i}`, cause: 'role_deleted', roleName: 'Ops', keys: [] }, at),
      );
    const claimed: string[] = [];
    for (let round = 0; round < 20; round++) {
      const batches = await Promise.all(
        stores.map((store) => store.notifications.claim({ now: clock.now(), leaseMs: DAY_MS, maxItems: 7 })),
      );
      for (const batch of batches) claimed.push(...batch.map((item) => item.id));
      if (batches.every((b) => b.length === 0)) break;
    }
    expect(new Set(claimed).size).toBe(claimed.length);
    expect(claimed).toHaveLength(200);
    // Leased rows are invisible until their lease runs out; then they are due again.
    expect(await test.store.notifications.claim({ now: clock.now(), leaseMs: DAY_MS, maxItems: 500 })).toEqual([]);
    clock.advance(DAY_MS + 1);
    expect(await test.store.notifications.claim({ now: clock.now(), leaseMs: DAY_MS, maxItems: 500 })).toHaveLength(200);
  }, 60_000);

  it('three replicas reminding at once remind each open request once', async () => {
    const { test, clock, services, stores } = await setUp();
    for (let i = 0; i < 60; i++) await services.access.request(`UASK${i}`, { reason: `reason ${i}`, ttlDays: 7 });
    clock.advance(DAY_MS + 1000);
    const openSince = new Date(clock.now().getTime() - DAY_MS);
    const counts = await Promise.all(stores.map((store) => store.queueReminders(openSince, clock.now(), 25)));
    const again = await Promise.all(stores.map((store) => store.queueReminders(openSince, clock.now(), 100)));
    expect(counts.reduce((a, b) => a + b, 0) + again.reduce((a, b) => a + b, 0)).toBe(60);
    const rows = await sql<{ n: number }>`select count(*) as n from notification_outbox where kind = 'request.reminder'`.execute(
      test.connection.db,
    );
    expect(Number(rows.rows[0]?.n)).toBe(60);
    expect(await test.store.queueReminders(openSince, clock.now(), 100)).toBe(0);
  }, 60_000);
});
