import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dialects } from '../support/db.js';
import { ALICE, startApi, type ApiHarness } from './harness.js';

describe.each(dialects)('a key whose secret has not reached its owner yet (%s)', (dialect) => {
  let h: ApiHarness;
  beforeEach(async () => {
    h = await startApi(dialect);
  });
  afterEach(async () => h.close());

  /** The owner DMs the sweep queued in the notification outbox (with the deletion, not after it). */
  const queuedDms = async () =>
    (await h.db.store.notifications.claim({ now: h.clock.now(), leaseMs: 1000, maxItems: 100 })).flatMap((item) =>
      item.notification?.kind === 'undelivered_key.dm' ? [item.notification] : [],
    );

  async function undeliveredKey(name: string) {
    const result = await h.services.keys.create(ALICE, { name, expiry: { kind: 'never' } }, { deliverLater: true });
    if (!result.created) throw new Error('not created');
    return { id: result.key.id, secret: result.secret };
  }

  it('is refused by verify (NOT_FOUND), /login (401) and the token re-check, and accepted once delivery is confirmed', async () => {
    const key = await undeliveredKey('pending');
    expect((await h.post('/v1/keys/verify', { key: key.secret })).json).toEqual({ valid: false, code: 'NOT_FOUND' });
    const login = await h.post('/login', { username: key.id, password: key.secret });
    expect(login.status).toBe(401);
    expect(login.json.error).toBe('unauthorized');
    // /auth_token/extend re-checks the key a token names: an undelivered key is no key.
    expect(await h.services.integration.revalidate(key.id)).toEqual({ valid: false, code: 'NOT_FOUND' });

    expect(await h.services.keys.confirmDelivery(key.id)).toBe(true);
    expect((await h.post('/v1/keys/verify', { key: key.secret })).json).toMatchObject({ valid: true, keyId: key.id });
    const after = await h.post('/login', { username: key.id, password: key.secret });
    expect(after.status).toBe(200);
    const extended = await h.get('/auth_token/extend', { 'x-redlock-auth': String(after.json.token) });
    expect(extended.status).toBe(200);
  });

  it('is removed by the sweep after two minutes (audited as key.deleted_undelivered), which frees its slot; a delivered key stays', async () => {
    const stranded = await undeliveredKey('stranded');
    const delivered = await undeliveredKey('delivered');
    await h.services.keys.confirmDelivery(delivered.id);
    expect((await h.services.keys.slots(ALICE)).used).toBe(2);
    h.clock.advance(60_000);
    expect(await h.services.keys.sweepUndelivered()).toEqual([]);
    h.clock.advance(61_000);
    const removed = await h.services.keys.sweepUndelivered();
    expect(removed.map((r) => r.key.id)).toEqual([stranded.id]);
    expect(await h.services.keys.sweepUndelivered()).toEqual([]);
    expect((await h.services.keys.slots(ALICE)).used).toBe(1);
    const records = await h.services.audit.search({ keyId: stranded.id, limit: 5 });
    expect(records.map((r) => r.action)).toEqual(['key.deleted_undelivered', 'key.created']);
    expect(records[0]?.actorId).toBe('system');
    // One owner DM, queued by the deletion's transaction (three sweeps, one deletion, one DM).
    expect(await queuedDms()).toEqual([
      {
        kind: 'undelivered_key.dm',
        ownerId: ALICE,
        keyId: stranded.id,
        keyName: 'stranded',
        roleName: 'Account Group Read Only',
        rotatedFrom: null,
      },
    ]);
    // Delivery confirmed too late changes nothing: the key is gone.
    expect(await h.services.keys.confirmDelivery(stranded.id)).toBe(false);
    expect((await h.post('/v1/keys/verify', { key: delivered.secret })).json).toMatchObject({ valid: true });
  });

  it('as a rotation successor, does not make the old key expire; when swept, the old key is an ordinary key again', async () => {
    const old = await h.createKey('deploy');
    const rotated = await h.services.keys.rotate(ALICE, old.id, { deliverLater: true });
    const stored = await h.db.store.read.keys.findById(old.id);
    expect(stored?.expiresAt).toBeNull();
    expect(stored?.rotatedTo).toBe(rotated.successor.id);
    h.clock.advance(3 * 60_000);
    await h.services.keys.sweepUndelivered();
    expect(await queuedDms()).toEqual([expect.objectContaining({ keyId: rotated.successor.id, rotatedFrom: old.id })]);
    const after = await h.db.store.read.keys.findById(old.id);
    expect(after).toMatchObject({ expiresAt: null, rotatedTo: null, status: 'active' });
    expect((await h.post('/v1/keys/verify', { key: old.secret })).json).toMatchObject({ valid: true });
    // It can be rotated again, and this time the delivery starts the old key's grace period.
    const again = await h.services.keys.rotate(ALICE, old.id, { deliverLater: true });
    expect((await h.db.store.read.keys.findById(old.id))?.expiresAt).toBeNull();
    await h.services.keys.confirmDelivery(again.successor.id);
    const retired = await h.db.store.read.keys.findById(old.id);
    expect(Date.parse(retired?.expiresAt ?? '')).toBe(h.clock.now().getTime() + 24 * 60 * 60 * 1000);
    const actions = (await h.services.audit.search({ keyId: old.id, limit: 5 })).map((r) => r.action);
    expect(actions.filter((a) => a === 'key.rotated')).toHaveLength(1);
  });
});
