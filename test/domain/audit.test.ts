import { Secret } from 'otpauth';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendAudit } from '../../src/domain/audit.js';
import type { Services } from '../../src/domain/services.js';
import { newWebhookSecret } from '../../src/domain/streams/secret-box.js';
import { dialects, type TestDatabase } from '../support/db.js';
import { domainWithAlice } from '../support/domain.js';

describe.each(dialects)('the audit hash chain on %s', (dialect) => {
  let db: TestDatabase;
  let services: Services;

  beforeEach(async () => {
    ({ db, services } = await domainWithAlice(dialect));
    for (const name of ['a', 'b']) await services.keys.create('UALICE', { name, expiry: { kind: 'never' } });
    await services.keys.deactivate('UALICE', 'a');
    await services.keys.delete('UALICE', { reference: 'b' });
  });
  afterEach(async () => db.cleanup());

  it('an untouched chain verifies, record by record', async () => {
    expect(await services.audit.verifyChain()).toEqual({ ok: true, records: 6 });
  });

  it('the verifier finds an edited record', async () => {
    await sql`update audit_log set actor_id = 'UMALLORY' where seq = 4`.execute(db.connection.db);
    expect(await services.audit.verifyChain()).toMatchObject({ ok: false, seq: 4, problem: 'edited' });
  });

  it('the verifier finds a deleted record in the middle', async () => {
    await sql`delete from audit_outbox where seq = 3`.execute(db.connection.db);
    await sql`delete from audit_log where seq = 3`.execute(db.connection.db);
    expect(await services.audit.verifyChain()).toMatchObject({ ok: false, seq: 3, problem: 'missing' });
  });

  it('the verifier finds a deleted last record', async () => {
    await sql`delete from audit_outbox where seq = 6`.execute(db.connection.db);
    await sql`delete from audit_log where seq = 6`.execute(db.connection.db);
    expect(await services.audit.verifyChain()).toMatchObject({ ok: false, seq: 6, problem: 'missing' });
  });

  it('a change whose audit record cannot be written does not happen (fail closed)', async () => {
    const before = await db.store.read.keys.countAll({ ownerId: 'UALICE' });
    if (dialect === 'sqlite') {
      await sql`create trigger refuse_audit before insert on audit_log begin select raise(abort, 'audit store full'); end`.execute(
        db.connection.db,
      );
    } else {
      await sql`create function refuse_audit() returns trigger language plpgsql as $$ begin raise exception 'audit store full'; end $$`.execute(
        db.connection.db,
      );
      await sql`create trigger refuse_audit before insert on audit_log for each row execute function refuse_audit()`.execute(
        db.connection.db,
      );
    }
    const error = await services.keys.create('UALICE', { name: 'never-made', expiry: { kind: 'never' } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'AppError' });
    expect(String((error as Error).message)).toMatch(/nothing was changed/);
    expect(await db.store.read.keys.countAll({ ownerId: 'UALICE' })).toBe(before);
    expect((await services.keys.list('UALICE')).keys.map((k) => k.key.name)).toEqual(['a']);
  });

  it('refuses a webhook signing secret or a TOTP enrolment link in a record, and writes nothing', async () => {
    const before = await services.audit.verifyChain();
    // A TOTP secret made for this run, never one written down.
    const totp = new Secret().base32;
    for (const value of [
      newWebhookSecret(),
      `otpauth://totp/Access%20Key%20Bot:UALICE?secret=${totp}&issuer=Access%20Key%20Bot`,
      `otpauth%3A%2F%2Ftotp%2Fx%3Fsecret%3D${totp}`,
    ]) {
      const write = db.store.write((tx) =>
        appendAudit(tx, { actorId: 'UALICE', action: 'stream.created', details: { name: value } }, new Date()),
      );
      const error = await write.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(String((error as Error | undefined)?.cause)).toMatch(/refusing to write a secret-like value/);
    }
    expect(await services.audit.verifyChain()).toEqual(before);
  });

  it('each record is queued for the security channel in the same transaction', async () => {
    const outbox = await db.connection.db.selectFrom('audit_outbox').select(['seq', 'state']).orderBy('seq').execute();
    expect(outbox.map((r) => [Number(r.seq), r.state])).toEqual([1, 2, 3, 4, 5, 6].map((seq) => [seq, 'pending']));
  });
});
