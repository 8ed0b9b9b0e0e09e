import { sql, type Transaction } from 'kysely';
import type { Repos, Store } from '../domain/ports.js';
import type { Connection } from './connect.js';
import { faultToAppError, withFaultRetries } from './faults.js';
import { KyselyAuditOutbox } from './audit-outbox-repo.js';
import { KyselyExpiryWarnings } from './expiry-warnings-repo.js';
import { KyselyRepos, lockAuditHead } from './repos.js';
import { KyselyThrottleCounters } from './throttle-repo.js';
import type { Database } from './tables.js';

/**
 * How long a SQLite writer keeps retrying a held write lock before telling the user to try again. Short,
 * because a person is waiting and Slack wants its answer within 3 s (a modal submission waits for it).
 */
const SQLITE_BUSY_DEADLINE_MS = 2000;

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
  function writeAudited<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return withFaultRetries({ dialect, busyDeadlineMs: SQLITE_BUSY_DEADLINE_MS, retryUnavailable: true }, () => attempt(fn));
  }

  return {
    dialect,
    read,
    write<T>(fn: (tx: Repos) => Promise<T>): Promise<T> {
      return writeAudited((trx) => fn(new KyselyRepos(trx)));
    },
    auditOutbox: new KyselyAuditOutbox(connection),
    expiryWarnings: new KyselyExpiryWarnings(connection, writeAudited),
    throttle: new KyselyThrottleCounters(connection),
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
