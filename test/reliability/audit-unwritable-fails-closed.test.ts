import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import type { Services } from '../../src/domain/services.js';
import { dialects, type TestDatabase } from '../support/db.js';
import { domainWithAlice } from '../support/domain.js';

/**
 * Reliability checklist D2: with the audit store unwritable, every change is refused with a message the
 * user can act on and nothing changes (fail closed), while verify keeps answering for existing keys.
 * SQLite: the app's own connection turned read-only (what a read-only file or volume does to writes).
 * PostgreSQL: a trigger that refuses every audit insert.
 */
describe.each(dialects)('the audit store unwritable on %s', (dialect) => {
  let db: TestDatabase;
  let services: Services;
  beforeEach(async () => {
    ({ db, services } = await domainWithAlice(dialect));
  });
  afterEach(async () => db.cleanup());

  async function makeUnwritable(): Promise<void> {
    if (dialect === 'sqlite') await sql`pragma query_only = on`.execute(db.connection.db);
    else {
      await sql`create function refuse_audit() returns trigger language plpgsql as $$ begin raise exception 'audit store unwritable'; end $$`.execute(
        db.connection.db,
      );
      await sql`create trigger refuse_audit before insert on audit_log for each row execute function refuse_audit()`.execute(
        db.connection.db,
      );
    }
  }
  async function makeWritable(): Promise<void> {
    if (dialect === 'sqlite') await sql`pragma query_only = off`.execute(db.connection.db);
    else await sql`drop trigger refuse_audit on audit_log`.execute(db.connection.db);
  }
  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => 'not refused',
      (e: unknown) => (e instanceof AppError ? e.message : `raw: ${String(e)}`),
    );

  it('create, extend, deactivate and delete are refused with "nothing was changed", nothing changes, and verify keeps answering', async () => {
    const existing = await services.keys.create('UALICE', { name: 'existing', expiry: { kind: 'never' } });
    if (!existing.created) throw new Error('expected a new key');
    const auditBefore = (await services.audit.search({ limit: 1000 })).length;
    await makeUnwritable();

    const attempts = [
      services.keys.create('UALICE', { name: 'never-made', expiry: { kind: 'never' } }),
      services.keys.extend('UALICE', { reference: existing.key.id, expiry: { kind: 'default' } }),
      services.keys.deactivate('UALICE', existing.key.id),
      services.keys.delete('UALICE', { reference: existing.key.id }),
    ];
    for (const message of await Promise.all(attempts.map(refusal))) expect(message).toMatch(/nothing was changed/);

    const started = performance.now();
    const verdicts = await Promise.all(Array.from({ length: 50 }, () => services.keys.verify(existing.secret)));
    const verifyMs = performance.now() - started;
    expect(verdicts.every((v) => v.valid)).toBe(true);
    console.log(`${dialect}: 4 changes refused; 50 verifies of an existing key meanwhile, all valid, in ${verifyMs.toFixed(1)} ms`);

    await makeWritable();
    const after = (await services.keys.list('UALICE')).keys.map((v) => ({
      name: v.key.name,
      status: v.key.status,
      expiresAt: v.key.expiresAt,
    }));
    expect(after).toEqual([{ name: 'existing', status: 'active', expiresAt: null }]);
    expect((await services.audit.search({ limit: 1000 })).length).toBe(auditBefore);
    expect((await services.keys.create('UALICE', { name: 'later', expiry: { kind: 'never' } })).created).toBe(true);
    expect(await services.audit.verifyChain()).toMatchObject({ ok: true });
  });
});
