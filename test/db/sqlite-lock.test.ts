import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { makeServices } from '../support/domain.js';
import { STALL_MS } from '../support/wait.js';

describe('SQLite held by another process', () => {
  let db: TestDatabase;
  let holder: Database.Database | undefined;
  afterEach(async () => {
    holder?.close();
    await db.cleanup();
  });

  it('a create fails fast with "try again" and writes nothing, while verify keeps answering; it works once the lock is gone', async () => {
    db = await createTestDatabase('sqlite');
    const { services } = await makeServices(db.store, { admins: ['UADMIN'] });
    const existing = await services.keys.create('UADMIN', { name: 'existing', expiry: { kind: 'never' } });
    if (!existing.created || db.config.kind !== 'sqlite') throw new Error('setup');
    const auditBefore = (await services.audit.verifyChain()).records;

    // Another connection (as another process would) takes the write lock and keeps it.
    holder = new Database(db.config.path);
    holder.exec('begin immediate');
    const started = Date.now();
    const error = await services.keys.create('UADMIN', { name: 'blocked', expiry: { kind: 'never' } }).catch((e: unknown) => e);
    const waited = Date.now() - started;
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('DB_BUSY');
    expect((error as AppError).message).toContain('try again');
    // Not a hang: the request's own budget ended the wait (a limit only a stall can break).
    expect(waited).toBeLessThan(STALL_MS);
    // Reads go on under WAL while the writer waits.
    expect((await services.keys.verify(existing.secret)).valid).toBe(true);

    holder.exec('rollback');
    expect((await services.keys.list('UADMIN')).keys.map((k) => k.key.name)).toEqual(['existing']);
    expect((await services.audit.verifyChain()).records).toBe(auditBefore);
    await services.keys.create('UADMIN', { name: 'after', expiry: { kind: 'never' } });
    expect((await services.keys.list('UADMIN')).keys).toHaveLength(2);
  });
});
