import type { Kysely, Transaction } from 'kysely';
import type { Connection } from './connect.js';
import { withFaultRetries } from './faults.js';
import type { Database } from './tables.js';

/**
 * Background workers (audit mirror, expiry warnings) wait for the write lock politely and briefly: a
 * busy database only delays them, and their next tick tries again anyway.
 */
const BUSY_DEADLINE_MS = 2000;

function retrying<T>(dialect: Connection['dialect'], fn: () => Promise<T>): Promise<T> {
  // A lost connection is not retried here: the worker's next tick tries again anyway. No request is
  // waiting, so the pool's own (longer) limits apply rather than an interactive deadline.
  return withFaultRetries({ dialect, deadlineMs: BUSY_DEADLINE_MS, retryUnavailable: false, bounded: false }, fn);
}

/**
 * A short transaction of its own, without the audit chain's lock (these rows are not audited). On
 * SQLite it begins IMMEDIATE like every write, which makes a select-then-update claim atomic.
 */
export function backgroundTransaction<T>(connection: Connection, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  return retrying(connection.dialect, () => connection.db.transaction().execute(fn));
}

/** A single statement (or read) outside any transaction, with the same retries. */
export function backgroundStatement<T>(connection: Connection, fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  return retrying(connection.dialect, () => fn(connection.db));
}

/** `Store.write`'s audited transaction (the chain's lock), handed to a queue that writes audited changes. */
export type AuditedWrite = <T>(fn: (trx: Transaction<Database>) => Promise<T>) => Promise<T>;
