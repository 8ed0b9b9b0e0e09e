import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DENIAL_BURST } from '../../src/domain/usage-anomalies.js';
import { hourOf } from '../../src/domain/usage-counts.js';
import { UsageRecorder } from '../../src/http/usage-recorder.js';
import { dialects } from '../support/db.js';
import { ALICE, startApi, type ApiHarness } from './harness.js';

const VERIFY = '/v1/keys/verify';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe.each(dialects)('usage anomaly notices on %s', (dialect) => {
  let h: ApiHarness;
  beforeEach(async () => {
    h = await startApi(dialect);
  });
  afterEach(async () => h.close());

  /** The anomaly notices queued for the owner, oldest first. */
  const notices = async () => {
    const rows = await h.db.connection.db
      .selectFrom('notification_outbox')
      .select(['payload'])
      .where('kind', '=', 'usage.anomaly')
      .orderBy('created_at')
      .execute();
    return rows.map((row) => JSON.parse(row.payload) as { keyId: string; anomaly: string; day: string; detail: Record<string, unknown> });
  };
  const useFrom = async (secret: string, address: string, times = 1) => {
    for (let i = 0; i < times; i++) await h.post(VERIFY, { key: secret }, { 'x-forwarded-for': address });
    await h.api.flushUsage();
  };

  it('first use from a new network is told once that day, and again on another day for yet another network', async () => {
    const key = await h.createKey('ci');
    await useFrom(key.secret, '198.51.100.1');
    // The key's very first use is not "new": it has no usual network yet.
    expect(await notices()).toEqual([]);
    h.clock.advance(2 * HOUR);
    await useFrom(key.secret, '198.51.100.9');
    expect(await notices()).toEqual([]);
    await useFrom(key.secret, '203.0.113.5');
    await useFrom(key.secret, '192.0.2.5');
    expect(await notices()).toEqual([
      {
        kind: 'usage.anomaly',
        keyId: key.id,
        anomaly: 'new_network',
        day: h.clock.now().toISOString().slice(0, 10),
        detail: { network: '203.0.113.0/24' },
      },
    ]);
    h.clock.advance(DAY);
    await useFrom(key.secret, '2001:db8:5::1');
    expect((await notices()).map((n) => n.detail.network)).toEqual(['203.0.113.0/24', '2001:db8:5::/48']);
  });

  it('a network seen earlier in the same hour, in an earlier flush, is not new', async () => {
    const key = await h.createKey('ci');
    await useFrom(key.secret, '198.51.100.1');
    h.clock.advance(60_000);
    await useFrom(key.secret, '198.51.100.1', 3);
    h.clock.advance(60_000);
    await useFrom(key.secret, '198.51.100.2');
    expect(await notices()).toEqual([]);
  });

  it('an hour above ten times the week’s hourly median is told as a spike', async () => {
    const key = await h.createKey('ci');
    h.clock.advance(8 * DAY);
    const hour = hourOf(h.clock.now().getTime());
    // A steady week: one use an hour, from the usual network.
    await h.store.usageCounts.add(
      Array.from({ length: 168 }, (_, i) => [
        { keyId: key.id, hour: hour - 168 + i, dimension: 'all' as const, label: '', outcome: 'valid', count: 1 },
        { keyId: key.id, hour: hour - 168 + i, dimension: 'network' as const, label: '127.0.0.0/24', outcome: 'valid', count: 1 },
      ]).flat(),
    );
    await useFrom(key.secret, '127.0.0.1', 10);
    expect(await notices()).toEqual([]);
    await useFrom(key.secret, '127.0.0.1', 1);
    expect(await notices()).toEqual([
      expect.objectContaining({ anomaly: 'spike', detail: expect.objectContaining({ count: 11, median: 1 }) }),
    ]);
  });

  it('a use after 30 days idle is told', async () => {
    const key = await h.createKey('ci');
    await useFrom(key.secret, '127.0.0.1');
    h.clock.advance(29 * DAY);
    await useFrom(key.secret, '127.0.0.1');
    expect(await notices()).toEqual([]);
    h.clock.advance(31 * DAY);
    await useFrom(key.secret, '127.0.0.1');
    expect(await notices()).toEqual([expect.objectContaining({ anomaly: 'idle_return', detail: { idleDays: 31 } })]);
  });

  it('a burst of denials is told to the owner once, and audited for the security channel', async () => {
    const key = await h.createKey('ci');
    await h.services.keys.deactivate(ALICE, key.id);
    await useFrom(key.secret, '127.0.0.1', DENIAL_BURST - 1);
    expect(await notices()).toEqual([]);
    await useFrom(key.secret, '127.0.0.1', 1);
    await useFrom(key.secret, '127.0.0.1', 5);
    expect(await notices()).toEqual([
      expect.objectContaining({ anomaly: 'denial_burst', detail: expect.objectContaining({ count: DENIAL_BURST }) }),
    ]);
    const audited = (await h.services.audit.search({ keyId: key.id, limit: 50 })).filter((r) => r.action === 'key.usage_anomaly');
    expect(audited).toHaveLength(1);
    expect(audited[0]?.details).toMatchObject({ anomaly: 'denial_burst', count: DENIAL_BURST });
    expect((await h.services.audit.verifyChain()).ok).toBe(true);
  });

  it('two replicas finding the same anomaly tell it once', async () => {
    const key = await h.createKey('ci');
    await h.services.keys.deactivate(ALICE, key.id);
    const left = new UsageRecorder(h.services.usage);
    const right = new UsageRecorder(h.services.usage);
    for (let i = 0; i < DENIAL_BURST; i++) {
      left.recordDenial(key.id, '192.0.2.1', 'inactive');
      right.recordDenial(key.id, '192.0.2.2', 'inactive');
    }
    await Promise.all([left.flush(), right.flush()]);
    expect(await notices()).toHaveLength(1);
  });
});
