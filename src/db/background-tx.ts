import type { Kysely, Transaction } from 'kysely';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Connection } from './connect.js';
import { classifyFault, faultToAppError } from './faults.js';
import type { Database } from './tables.js';

/**
 * Background workers (audit mirror, expiry warnings) wait for the write lock politely and briefly: a
 * busy database only delays them, and their next tick tries again anyway.
 */
const BUSY_DEADLINE_MS = 2000;
const PG_RETRY_WAITS_MS = [50, 100, 200];

async function retrying<T>(dialect: Connection['dialect'], fn: () => Promise<T>): Promise<T> {
  const busyDeadline = Date.now() + BUSY_DEADLINE_MS;
  for (let tries = 0; ; tries++) {
    try {
      return await fn();
    } catch (error) {
      const kind = classifyFault(error);
      if (kind === 'busy' && Date.now() < busyDeadline) {
        await sleep(5 + Math.random() * 20);
        continue;
      }
      const wait = PG_RETRY_WAITS_MS[tries];
      if (dialect === 'postgres' && kind === 'transient' && wait !== undefined) {
        await sleep(wait);
        continue;
      }
      throw faultToAppError(error);
    }
  }
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
