import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hourOf } from '../../src/domain/usage-counts.js';
import { UsageRecorder } from '../../src/http/usage-recorder.js';
import { dialects } from '../support/db.js';
import { ALICE, BOB, startApi, type ApiHarness } from './harness.js';

const VERIFY = '/v1/keys/verify';

describe.each(dialects)('per-key usage counters on %s', (dialect) => {
  let h: ApiHarness;
  beforeEach(async () => {
    h = await startApi(dialect);
  });
  afterEach(async () => h.close());

  const hourNow = () => hourOf(h.clock.now().getTime());
  const totals = async (keyId: string) => {
    const rows = await h.store.usageCounts.hourlyTotals(keyId, hourNow() - 100, hourNow() + 1);
    const byOutcome: Record<string, number> = {};
    for (const row of rows) byOutcome[row.outcome] = (byOutcome[row.outcome] ?? 0) + row.count;
    return byOutcome;
  };
  const labels = (keyId: string, dimension: 'network' | 'tag') =>
    h.store.usageCounts.labelTotals(keyId, dimension, hourNow() - 100, hourNow() + 1, 50);
  const countInserts = async (fn: () => Promise<unknown>) => {
    const before = h.queries.statements.length;
    await fn();
    return h.queries.statements.slice(before).filter((kind) => kind === 'InsertQueryNode').length;
  };

  it('verify counts per key, hour, outcome, network (/24, /48) and tag, and writes nothing until the flush', async () => {
    const key = await h.createKey('ci');
    const inserts = await countInserts(async () => {
      for (let i = 0; i < 6; i++) {
        const reply = await h.post(
          VERIFY,
          { key: key.secret, tags: ['endpoint=/users', i % 2 === 0 ? 'env=prod' : 'env=dev'] },
          {
            'x-forwarded-for': i < 4 ? `198.51.100.${i + 1}` : '2001:db8:ab:cd::1',
          },
        );
        expect(reply.json).toMatchObject({ valid: true });
      }
      // The integration names its own caller with `ip`: that address is counted instead of the socket's.
      await h.post(VERIFY, { key: key.secret, ip: '203.0.113.77' });
    });
    expect(inserts).toBe(0);
    expect(await totals(key.id)).toEqual({});

    await h.api.flushUsage();
    expect(await totals(key.id)).toEqual({ valid: 7 });
    expect(await labels(key.id, 'network')).toEqual([
      { label: '198.51.100.0/24', count: 4 },
      { label: '2001:db8:ab::/48', count: 2 },
      { label: '203.0.113.0/24', count: 1 },
    ]);
    expect(await labels(key.id, 'tag')).toEqual([
      { label: 'endpoint=/users', count: 6 },
      { label: 'env=dev', count: 3 },
      { label: 'env=prod', count: 3 },
    ]);
  });

  it('a refused known key is counted as a denial by reason; an unknown key is not counted at all', async () => {
    const key = await h.createKey('ci');
    await h.services.keys.deactivate(ALICE, key.id);
    for (let i = 0; i < 3; i++) expect((await h.post(VERIFY, { key: key.secret })).json).toEqual({ valid: false, code: 'INACTIVE' });
    await h.post(VERIFY, { key: 'aks_notarealsecretnotarealsecretnotarealAAAAAA' });
    await h.api.flushUsage();
    expect(await totals(key.id)).toEqual({ inactive: 3 });
  });

  it('bad tags are a 400 invalid_tags naming the problem, before any lookup', async () => {
    const key = await h.createKey('ci');
    const tooMany = await h.post(VERIFY, { key: key.secret, tags: Array.from({ length: 11 }, (_, i) => `t${i}`) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.json).toMatchObject({ error: 'invalid_tags', message: '"tags" may hold at most 10 entries (got 11)' });
    const badChars = await h.post(VERIFY, { key: key.secret, tags: ['ok', 'no spaces <here>'] });
    expect(badChars.json).toMatchObject({ error: 'invalid_tags', message: expect.stringContaining('"tags[1]"') });
    expect((await h.post(VERIFY, { key: key.secret, tags: 'endpoint' })).status).toBe(400);
    await h.api.flushUsage();
    expect(await totals(key.id)).toEqual({});
  });

  it('a tag holding a secret is a 400 invalid_tags and never stored', async () => {
    const key = await h.createKey('ci');
    for (const tag of [key.secret, `key=${key.secret}`]) {
      const reply = await h.post(VERIFY, { key: key.secret, tags: ['env=prod', tag] });
      expect(reply.status).toBe(400);
      expect(reply.json).toMatchObject({ error: 'invalid_tags', message: expect.stringContaining('"tags[1]" looks like a secret') });
      expect(JSON.stringify(reply.json)).not.toContain(key.secret);
    }
    await h.api.flushUsage();
    expect(await labels(key.id, 'tag')).toEqual([]);
    expect(await totals(key.id)).toEqual({});
  });

  it('login and the key API count their uses too', async () => {
    const key = await h.createKey('ci');
    const login = await h.post('/login', { username: key.id, password: key.secret });
    expect(login.status).toBe(200);
    await h.get('/auth_token/extend', { 'x-redlock-auth': String(login.json.token) });
    await h.api.flushUsage();
    expect(await totals(key.id)).toEqual({ valid: 2 });
  });

  it('two replicas flushing the same key and hour add up', async () => {
    const key = await h.createKey('ci');
    const left = new UsageRecorder(h.services.usage);
    const right = new UsageRecorder(h.services.usage);
    for (let i = 0; i < 30; i++) left.recordUse(key.id, '192.0.2.1', true, ['a']);
    for (let i = 0; i < 12; i++) right.recordUse(key.id, '192.0.2.9', true, ['a']);
    for (let i = 0; i < 5; i++) right.recordDenial(key.id, '192.0.2.9', 'expired');
    await Promise.all([left.flush(), right.flush()]);
    await Promise.all([left.flush(), right.flush()]);
    expect(await totals(key.id)).toEqual({ valid: 42, expired: 5 });
    expect(await labels(key.id, 'tag')).toEqual([{ label: 'a', count: 42 }]);
    expect(await labels(key.id, 'network')).toEqual([{ label: '192.0.2.0/24', count: 47 }]);
  });

  it('memory stays bounded under a flood of distinct tags and networks; per key they fold into (other)', async () => {
    const key = await h.createKey('ci');
    const other = await h.createKey('other', { owner: BOB });
    const recorder = new UsageRecorder(h.services.usage, { maxCountCells: 200, maxLabelsPerKey: 20 });
    for (let i = 0; i < 5000; i++) {
      recorder.recordUse(key.id, `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, true, [`t${i}`, `u${i}`]);
      expect(recorder.pendingCountCells).toBeLessThanOrEqual(200);
    }
    // Per key: 20 networks and 20 tags at most, the rest under (other); nothing is lost for this key.
    await recorder.flush();
    expect(await totals(key.id)).toEqual({ valid: 5000 });
    const tags = await labels(key.id, 'tag');
    expect(tags).toHaveLength(21);
    expect(tags.reduce((sum, t) => sum + t.count, 0)).toBe(10_000);
    expect(tags[0]).toEqual({ label: '(other)', count: 10_000 - 20 });
    // Across keys the buffer is full at 200 cells: further uses are dropped and counted, not kept.
    const small = new UsageRecorder(h.services.usage, { maxCountCells: 3 });
    small.recordUse(key.id, '192.0.2.1', true);
    small.recordUse(other.id, '192.0.2.1', true);
    expect(small.pendingCountCells).toBe(3);
    expect(small.droppedCounts).toBe(1);
  });

  it('/metrics shows the counter cells held and the counts dropped', async () => {
    const key = await h.createKey('ci');
    await h.post(VERIFY, { key: key.secret, tags: ['a', 'b'] });
    const text = (await h.metrics()).text;
    expect(text).toMatch(/^akb_usage_count_cells 4$/m);
    expect(text).toMatch(/^akb_usage_dropped_counts 0$/m);
  });

  it('counters older than USAGE_RETENTION are pruned', async () => {
    const key = await h.createKey('ci');
    await h.post(VERIFY, { key: key.secret });
    await h.api.flushUsage();
    h.clock.advance(10 * 24 * 3_600_000);
    await h.post(VERIFY, { key: key.secret });
    await h.api.flushUsage();
    // An anomaly marker of the first day goes with its counters; today's stays.
    const firstDay = new Date(h.clock.now().getTime() - 10 * 24 * 3_600_000).toISOString().slice(0, 10);
    const today = h.clock.now().toISOString().slice(0, 10);
    await h.store.writeUsage(async (tx) => {
      await tx.usageAnomalies.markOnce(key.id, 'spike', firstDay, h.clock.now().toISOString());
      await tx.usageAnomalies.markOnce(key.id, 'spike', today, h.clock.now().toISOString());
    });
    expect(await h.services.usage.pruneUsageCounts(5 * 24 * 3_600_000)).toBe(2);
    const markers = await h.db.connection.db.selectFrom('usage_anomalies').select('day').execute();
    expect(markers.map((m) => m.day)).toEqual([today]);
    const rows = await h.store.usageCounts.hourlyTotals(key.id, 0, hourNow() + 1);
    expect(rows).toEqual([{ hour: hourNow(), outcome: 'valid', count: 1 }]);
  });
});
