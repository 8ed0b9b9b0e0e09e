import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageRecorder } from '../../src/http/usage-recorder.js';
import { dialects } from '../support/db.js';
import { ALICE, startApi, type ApiHarness } from './harness.js';

const VERIFY = '/v1/keys/verify';

describe.each(dialects)('last-used tracking on %s', (dialect) => {
  let h: ApiHarness;
  beforeEach(async () => {
    h = await startApi(dialect);
  });
  afterEach(async () => h.close());

  const lastUsed = async (keyId: string) => {
    const key = await h.store.read.keys.findById(keyId);
    return { at: key?.lastUsedAt ?? null, ip: key?.lastUsedIp ?? null };
  };
  const firstUseRecords = async (keyId: string) =>
    (await h.services.audit.search({ keyId, limit: 100 })).filter((r) => r.action === 'key.first_used');
  const writesIn = async (fn: () => Promise<unknown>) => {
    const before = h.queries.statements.length;
    await fn();
    return h.queries.statements.slice(before).filter((kind) => kind === 'UpdateQueryNode').length;
  };

  it('verifies write nothing on the request path; one flush writes the latest use once, with the client address', async () => {
    const key = await h.createKey('ci');
    const verifyWrites = await writesIn(async () => {
      for (let i = 0; i < 50; i++) {
        h.clock.advance(100);
        expect((await h.post(VERIFY, { key: key.secret }, { 'x-forwarded-for': `192.0.2.${i + 1}` })).json).toMatchObject({ valid: true });
      }
    });
    expect(verifyWrites).toBe(0);
    expect(await lastUsed(key.id)).toEqual({ at: null, ip: null });

    const flushWrites = await writesIn(() => h.api.flushUsage());
    // touchKeyLastUsed is one guarded UPDATE (two for a key already used) plus the audit head's.
    expect(flushWrites).toBeLessThanOrEqual(3);
    expect(await lastUsed(key.id)).toEqual({ at: h.clock.now().toISOString(), ip: '192.0.2.50' });
  });

  it("a key's first use is audited once, as key.first_used, in the flush that sets last used", async () => {
    const key = await h.createKey('ci');
    await h.post(VERIFY, { key: key.secret });
    expect(await firstUseRecords(key.id)).toHaveLength(0);
    await h.api.flushUsage();
    const [record, ...more] = await firstUseRecords(key.id);
    expect(more).toHaveLength(0);
    expect(record).toMatchObject({
      actorId: key.id,
      keyId: key.id,
      ownerId: ALICE,
      keyName: 'ci',
      at: h.clock.now().toISOString(),
      details: { clientAddress: '127.0.0.1' },
    });
    h.clock.advance(120_000);
    await h.post(VERIFY, { key: key.secret });
    await h.api.flushUsage();
    expect(await firstUseRecords(key.id)).toHaveLength(1);
    expect((await h.services.audit.verifyChain()).ok).toBe(true);
  });

  it('a key in constant use is written at most about once a minute, and never more than a minute behind', async () => {
    const key = await h.createKey('ci');
    let writes = 0;
    // Two simulated minutes: a verify every second, a flush every 10 seconds (the runtime's interval).
    for (let second = 1; second <= 120; second++) {
      h.clock.advance(1000);
      await h.post(VERIFY, { key: key.secret });
      if (second % 10 === 0) {
        const before = (await lastUsed(key.id)).at;
        await h.api.flushUsage();
        const after = (await lastUsed(key.id)).at;
        if (after !== before) writes += 1;
        expect(h.clock.now().getTime() - Date.parse(after ?? '1970-01-01T00:00:00Z')).toBeLessThanOrEqual(60_000);
      }
    }
    expect(writes).toBeGreaterThanOrEqual(2);
    expect(writes).toBeLessThanOrEqual(3);
  });

  it('last used never moves backwards, whatever order two replicas flush in', async () => {
    const key = await h.createKey('ci');
    const newer = new Date(h.clock.now().getTime() + 5000).toISOString();
    const older = h.clock.now().toISOString();
    expect(await h.services.usage.recordKeyUses([{ keyId: key.id, at: newer, clientAddress: '192.0.2.1', usedBefore: false }])).toEqual({
      written: 1,
      firstUses: 1,
    });
    // Older uses lose on both paths: the batched one for keys used before, and the one-by-one one.
    expect(await h.services.usage.recordKeyUses([{ keyId: key.id, at: older, clientAddress: '192.0.2.2', usedBefore: true }])).toEqual({
      written: 0,
      firstUses: 0,
    });
    expect(await h.services.usage.recordKeyUses([{ keyId: key.id, at: older, clientAddress: '192.0.2.2', usedBefore: false }])).toEqual({
      written: 0,
      firstUses: 0,
    });
    expect(await lastUsed(key.id)).toEqual({ at: newer, ip: '192.0.2.1' });

    // Two recorders (two replicas) that saw uses in the opposite order of their flushes.
    const replicaA = new UsageRecorder(h.services.usage);
    const replicaB = new UsageRecorder(h.services.usage);
    h.clock.advance(20_000);
    replicaB.recordUse(key.id, '192.0.2.20', true);
    h.clock.advance(1000);
    replicaA.recordUse(key.id, '192.0.2.21', true);
    const latest = h.clock.now().toISOString();
    await replicaA.flush();
    await replicaB.flush();
    expect(await lastUsed(key.id)).toEqual({ at: latest, ip: '192.0.2.21' });
    expect(await firstUseRecords(key.id)).toHaveLength(1);
  });

  it('two replicas flushing the first use of the same key audit it exactly once', async () => {
    const key = await h.createKey('ci');
    const replicaA = new UsageRecorder(h.services.usage);
    const replicaB = new UsageRecorder(h.services.usage);
    replicaA.recordUse(key.id, '192.0.2.30', false);
    h.clock.advance(10);
    replicaB.recordUse(key.id, '192.0.2.31', false);
    await Promise.all([replicaA.flush(), replicaB.flush()]);
    expect(await firstUseRecords(key.id)).toHaveLength(1);
    expect(await lastUsed(key.id)).toEqual({ at: h.clock.now().toISOString(), ip: '192.0.2.31' });
  });

  it('keys in steady use are written in one statement per batch, not one per key', async () => {
    const owners = Array.from({ length: 20 }, (_, i) => `UUSER${i}`);
    for (const owner of owners) await h.services.access.grant('UADMIN', owner);
    const keys = [];
    for (const owner of owners) for (const name of ['a', 'b']) keys.push(await h.createKey(name, { owner }));
    for (const key of keys) await h.post(VERIFY, { key: key.secret });
    await h.api.flushUsage();
    expect((await h.services.audit.search({ limit: 200 })).filter((r) => r.action === 'key.first_used')).toHaveLength(40);

    h.clock.advance(60_000);
    for (const key of keys) await h.post(VERIFY, { key: key.secret });
    const before = h.queries.statements.length;
    const result = await h.api.flushUsage();
    const statements = h.queries.statements.slice(before);
    expect(result).toMatchObject({ written: 40, firstUses: 0 });
    expect(statements.filter((kind) => kind === 'UpdateQueryNode')).toHaveLength(0);
    // The batched UPDATE … FROM (VALUES …), plus PostgreSQL's lock on the audit head, plus the usage
    // counters' one batched upsert (docs/usage-analytics.md). The anomaly check only reads.
    expect(statements.filter((kind) => kind === 'InsertQueryNode')).toHaveLength(1);
    expect(statements.filter((kind) => kind !== 'SelectQueryNode').length).toBeLessThanOrEqual(3);
    for (const key of keys) expect((await lastUsed(key.id)).at).toBe(h.clock.now().toISOString());
  });

  it('a successful login and a token extension also count as uses', async () => {
    const key = await h.createKey('ci');
    const login = await h.post('/login', { username: key.id, password: key.secret }, { 'x-forwarded-for': '192.0.2.77' });
    expect(login.status).toBe(200);
    await h.api.flushUsage();
    expect(await lastUsed(key.id)).toEqual({ at: h.clock.now().toISOString(), ip: '192.0.2.77' });
    h.clock.advance(90_000);
    expect(
      (await h.get('/auth_token/extend', { 'x-redlock-auth': String(login.json.token), 'x-forwarded-for': '192.0.2.78' })).status,
    ).toBe(200);
    await h.api.flushUsage();
    expect(await lastUsed(key.id)).toEqual({ at: h.clock.now().toISOString(), ip: '192.0.2.78' });
  });

  it('stopping the API writes every pending use, even one flushed seconds ago', async () => {
    const key = await h.createKey('ci');
    await h.post(VERIFY, { key: key.secret });
    await h.api.flushUsage();
    h.clock.advance(2000);
    await h.post(VERIFY, { key: key.secret });
    await h.api.flushUsage();
    expect((await lastUsed(key.id)).at).not.toBe(h.clock.now().toISOString());
    await h.api.stop();
    expect((await lastUsed(key.id)).at).toBe(h.clock.now().toISOString());
  });

  it('a failed flush loses nothing: the use is written by the next one', async () => {
    const key = await h.createKey('ci');
    await h.post(VERIFY, { key: key.secret });
    const write = h.store.write.bind(h.store);
    h.store.write = () => Promise.reject(new Error('disk full'));
    expect(await h.api.flushUsage()).toBeUndefined();
    expect(h.logs.some((line) => line.includes('writing key usage failed'))).toBe(true);
    h.store.write = write;
    await h.api.flushUsage();
    expect((await lastUsed(key.id)).at).toBe(h.clock.now().toISOString());
  });
});
