import { sql, type Transaction } from 'kysely';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../errors.js';
import type { Repos, Store } from '../domain/ports.js';
import type { Connection } from './connect.js';
import { classifyFault, faultToAppError } from './faults.js';
import { KyselyAuditOutbox } from './audit-outbox-repo.js';
import { KyselyExpiryWarnings } from './expiry-warnings-repo.js';
import { KyselyRepos, lockAuditHead } from './repos.js';
import type { Database } from './tables.js';

/**
 * How long a SQLite writer keeps retrying a held write lock before telling the user to try again. Short,
 * because a person is waiting and Slack wants its answer within 3 s (a modal submission waits for it).
 */
const SQLITE_BUSY_DEADLINE_MS = 2000;
/** PostgreSQL transient faults: retried with these waits (Unkey's 50/100/200 ms), never unique violations. */
const PG_RETRY_WAITS_MS = [50, 100, 200];

/** Maps every fault of every repository call to an AppError, so no raw database error reaches a user. */
function withFaultMapping(repos: Repos): Repos {
  return new Proxy(repos, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } catch (error) {
          throw faultToAppError(error);
        }
      };
    },
  });
}

export function createStore(connection: Connection): Store {
  const { db, dialect } = connection;
  const read = withFaultMapping(new KyselyRepos(db));

  async function attempt<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return db.transaction().execute(async (trx) => {
      if (dialect === 'postgres') await lockAuditHead(trx);
      return fn(trx);
    });
  }

  /** The audited write path (chain lock, retries); the expiry job writes its markers through it too. */
  async function writeAudited<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    const busyDeadline = Date.now() + SQLITE_BUSY_DEADLINE_MS;
    for (let tries = 0; ; tries++) {
      try {
        return await attempt(fn);
      } catch (error) {
        // Domain outcomes (limit reached, …) roll the transaction back and go straight to the caller.
        if (error instanceof AppError) throw error;
        const kind = classifyFault(error);
        if (kind === 'busy' && Date.now() < busyDeadline) {
          await sleep(5 + Math.random() * 20);
          continue;
        }
        const wait = PG_RETRY_WAITS_MS[tries];
        if (dialect === 'postgres' && (kind === 'transient' || kind === 'unavailable') && wait !== undefined) {
          await sleep(wait);
          continue;
        }
        throw faultToAppError(error);
      }
    }
  }

  return {
    dialect,
    read,
    write<T>(fn: (tx: Repos) => Promise<T>): Promise<T> {
      return writeAudited((trx) => fn(new KyselyRepos(trx)));
    },
    auditOutbox: new KyselyAuditOutbox(connection),
    expiryWarnings: new KyselyExpiryWarnings(connection, writeAudited),
    async ping(): Promise<void> {
      try {
        await sql`select 1`.execute(db);
      } catch (error) {
        throw faultToAppError(error);
      }
    },
    async close(): Promise<void> {
      await db.destroy();
    },
  };
}
