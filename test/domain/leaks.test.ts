import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LeakSighting } from '../../src/domain/keys/leaked.js';
import { checksumOf, generateSecret } from '../../src/domain/secrets.js';
import type { Services } from '../../src/domain/services.js';
import type { DomainDeps } from '../../src/domain/deps.js';
import { isAppError } from '../../src/errors.js';
import { dialects, type TestDatabase } from '../support/db.js';
import { domainWithAlice, replicaOver } from '../support/domain.js';

const inSlack = (ts: string, posterId = 'UBOB'): LeakSighting => ({
  source: 'slack',
  sightingId: `C0GENERAL:${ts}`,
  channel: 'C0GENERAL',
  ts,
  posterId,
});

async function refusalCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isAppError(error)) return error.code;
    throw error;
  }
  return 'none';
}

describe.each(dialects)('the leak response on %s', (dialect) => {
  let db: TestDatabase;
  let services: Services;
  let deps: DomainDeps;

  beforeEach(async () => {
    ({ db, services, deps } = await domainWithAlice(dialect));
  });
  afterEach(async () => db.cleanup());

  async function aliceKey(name = 'svc') {
    const created = await services.keys.create('UALICE', { name, expiry: { kind: 'never' } });
    if (!created.created) throw new Error('expected a new key');
    return created;
  }

  async function queued(): Promise<Array<{ kind: string; payload: string }>> {
    const rows = await sql<{ kind: string; payload: string }>`select kind, payload from notification_outbox order by id`.execute(
      db.connection.db,
    );
    return rows.rows;
  }

  async function leakRecords(keyId: string) {
    return (await services.audit.search({ keyId, limit: 500 })).filter((r) => r.action === 'key.leaked');
  }

  it('a secret posted in Slack stops the key, is audited without the secret, and queues the thread reply, both DMs and the card', async () => {
    const { key, secret } = await aliceKey();
    const outcome = await services.leaks.report(secret, inSlack('1700000000.000100'));
    expect(outcome).toEqual({ kind: 'leaked', keyId: key.id, inactivated: true, sightings: 1 });
    expect(await services.keys.verify(secret)).toEqual({ valid: false, code: 'INACTIVE' });
    const [record] = await leakRecords(key.id);
    expect(record).toMatchObject({
      actorId: 'system',
      ownerId: 'UALICE',
      details: { source: 'slack', channel: 'C0GENERAL', messageTs: '1700000000.000100', poster: 'UBOB', leakAction: 'inactivated' },
    });
    const everything = JSON.stringify(await services.audit.search({ limit: 100 })) + JSON.stringify(await queued());
    expect(everything).not.toContain(secret.slice(4, 12));
    const kinds = (await queued()).map((row) => row.kind).sort();
    expect(kinds).toEqual(['key_leak.card', 'key_leak.dm', 'key_leak.dm', 'key_leak.thread_reply']);
    // Only an admin can make it active again, as after "Report compromised".
    expect(await refusalCode(services.keys.activate('UALICE', key.id))).toBe('NOT_ADMIN');
    expect(await services.audit.verifyChain()).toMatchObject({ ok: true });
  });

  it('a replayed sighting (Slack retrying the event) changes nothing more', async () => {
    const { key, secret } = await aliceKey();
    await services.leaks.report(secret, inSlack('1700000000.000100'));
    const before = (await queued()).length;
    expect(await services.leaks.report(secret, inSlack('1700000000.000100'))).toEqual({ kind: 'replayed', keyId: key.id });
    expect(await leakRecords(key.id)).toHaveLength(1);
    expect(await queued()).toHaveLength(before);
  });

  it('a well-formed secret of no key writes nothing and is counted; a wrong checksum is not looked up', async () => {
    await aliceKey();
    const headBefore = await db.store.read.audit.readHead();
    expect(await services.leaks.report(generateSecret(), inSlack('1.1'))).toEqual({ kind: 'unknown' });
    const body = `aks_${'A'.repeat(40)}`;
    const wrong = `${body}${checksumOf(body) === 'AAAAAA' ? 'BBBBBB' : 'AAAAAA'}`;
    expect(await services.leaks.report(wrong, inSlack('1.2'))).toEqual({ kind: 'not_a_secret' });
    expect(await db.store.read.audit.readHead()).toEqual(headBefore);
    expect(await queued()).toEqual([]);
    expect(services.leaks.unknownBySource()).toEqual({ slack: 1, github: 0, gitlab: 0 });
  });

  it('with LEAK_ACTION=notify the key keeps working and the record says it was only notified', async () => {
    const { key, secret } = await aliceKey();
    const notifying = replicaOver({ ...deps, leakAction: 'notify' }, db.store);
    expect(
      await notifying.leaks.report(secret, {
        source: 'github',
        sightingId: 'https://github.com/o/r/blob/x/f',
        url: 'https://github.com/o/r/blob/x/f',
      }),
    ).toMatchObject({
      kind: 'leaked',
      inactivated: false,
    });
    expect((await services.keys.verify(secret)).valid).toBe(true);
    const [record] = await leakRecords(key.id);
    expect(record?.details).toMatchObject({ source: 'github', url: 'https://github.com/o/r/blob/x/f', leakAction: 'notified' });
    // "Keep inactive" then stops it, as the leak action would have.
    await services.leaks.decide('UADMIN', { keyId: key.id, decision: 'kept_inactive' });
    expect(await services.keys.verify(secret)).toEqual({ valid: false, code: 'INACTIVE' });
  });

  it('fifty messages with the same key on two replicas at once: one record each, one card queued that counts them', async () => {
    const { key, secret } = await aliceKey();
    const other = replicaOver(deps, (await db.openAnother()).store);
    const replicas = [services, other];
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) => replicas[i % 2]?.leaks.report(secret, inSlack(`1700000000.${String(i).padStart(6, '0')}`))),
    );
    expect(outcomes.filter((o) => o?.kind === 'leaked').filter((o) => o?.kind === 'leaked' && o.inactivated)).toHaveLength(1);
    expect(await leakRecords(key.id)).toHaveLength(50);
    expect((await db.store.read.leaks.find(key.id))?.sightings).toBe(50);
    const kinds = (await queued()).map((row) => row.kind);
    expect(kinds.filter((k) => k === 'key_leak.card')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'key_leak.thread_reply')).toHaveLength(50);
    // The owner and the poster are told once, by the sighting that stopped the key.
    expect(kinds.filter((k) => k === 'key_leak.dm')).toHaveLength(2);
    // After the card is shown at 1, it is behind: exactly one update is queued.
    await services.background.recordLeakCard(key.id, { channel: 'CSEC', ts: '1.0' }, { sightings: 1, resolution: null });
    expect((await queued()).filter((row) => row.kind === 'key_leak.card')).toHaveLength(2);
    await services.background.recordLeakCard(key.id, { channel: 'CSEC', ts: '1.0' }, { sightings: 50, resolution: null });
    expect(await db.store.read.leaks.find(key.id)).toMatchObject({ cardQueued: false, cardTs: '1.0' });
    expect(await services.audit.verifyChain()).toMatchObject({ ok: true });
  });

  it('the same sighting on two replicas at once is acted on once', async () => {
    const { key, secret } = await aliceKey();
    const other = replicaOver(deps, (await db.openAnother()).store);
    const outcomes = await Promise.all([services, other, services, other].map((s) => s.leaks.report(secret, inSlack('9.9'))));
    expect(outcomes.filter((o) => o.kind === 'leaked')).toHaveLength(1);
    expect(await leakRecords(key.id)).toHaveLength(1);
  });

  it('only an admin calls it a false positive; the key works again, audited, and a second press changes nothing', async () => {
    const { key, secret } = await aliceKey();
    await services.leaks.report(secret, inSlack('2.2'));
    expect(await refusalCode(services.leaks.decide('UALICE', { keyId: key.id, decision: 'false_positive' }))).toBe('NOT_ADMIN');
    const decided = await services.leaks.decide('UADMIN', { keyId: key.id, decision: 'false_positive' }, { once: 'press-1' });
    expect(decided.changed).toBe(true);
    expect((await services.keys.verify(secret)).valid).toBe(true);
    const [record] = await services.audit.search({ keyId: key.id, limit: 1 });
    expect(record).toMatchObject({ action: 'key.leak_false_positive', actorId: 'UADMIN', details: { previousStatus: 'compromised' } });
    expect((await services.leaks.decide('UADMIN', { keyId: key.id, decision: 'kept_inactive' })).changed).toBe(false);
    expect((await services.leaks.decide('UADMIN', { keyId: key.id, decision: 'false_positive' }, { once: 'press-1' })).replayed).toBe(true);
  });

  it("an admin's activate decides the open leak as a false positive and queues the card's update", async () => {
    const { key, secret } = await aliceKey();
    await services.leaks.report(secret, inSlack('4.4'));
    await services.background.recordLeakCard(key.id, { channel: 'CAUDIT', ts: '1.1' }, { sightings: 1, resolution: null });
    const cardsBefore = (await queued()).filter((n) => n.kind === 'key_leak.card').length;
    expect((await services.keys.activate('UADMIN', key.id)).changed).toBe(true);
    expect(await db.store.read.leaks.find(key.id)).toMatchObject({ resolution: 'false_positive', resolvedBy: 'UADMIN', cardQueued: true });
    expect((await queued()).filter((n) => n.kind === 'key_leak.card')).toHaveLength(cardsBefore + 1);
    // Decided: the card's buttons change nothing more.
    expect((await services.leaks.decide('UADMIN', { keyId: key.id, decision: 'kept_inactive' })).changed).toBe(false);
  });

  it('a sighting after a false positive is a new incident: undecided, the key stopped again, decidable again', async () => {
    const { key, secret } = await aliceKey();
    await services.leaks.report(secret, inSlack('5.5'));
    await services.leaks.decide('UADMIN', { keyId: key.id, decision: 'false_positive' });
    expect((await services.keys.verify(secret)).valid).toBe(true);
    expect(await services.leaks.report(secret, inSlack('5.6'))).toMatchObject({ kind: 'leaked', inactivated: true, sightings: 2 });
    expect(await db.store.read.leaks.find(key.id)).toMatchObject({ resolution: null, resolvedBy: null, inactivated: true, sightings: 2 });
    expect((await services.keys.verify(secret)).valid).toBe(false);
    expect((await services.leaks.decide('UADMIN', { keyId: key.id, decision: 'kept_inactive' })).changed).toBe(true);
    expect(await db.store.read.leaks.find(key.id)).toMatchObject({ resolution: 'kept_inactive', resolvedBy: 'UADMIN' });
  });

  it('a key its owner already rotated away or an admin revoked is not changed again, but the sighting is recorded', async () => {
    const { key, secret } = await aliceKey();
    await services.admin.revokeKey('UADMIN', key.id);
    expect(await services.leaks.report(secret, inSlack('3.3'))).toMatchObject({ kind: 'leaked', inactivated: false });
    expect((await services.keys.show('UADMIN', key.id)).key.status).toBe('revoked');
    expect((await leakRecords(key.id))[0]?.details).toMatchObject({ leakAction: 'already_inactive' });
  });
});
