import { sql, type Transaction } from 'kysely';
import type { Repos, Store, WriteOptions } from '../domain/ports.js';
import type { Connection } from './connect.js';
import { runWithDeadline } from './deadline.js';
import { faultToAppError, withFaultRetries } from './faults.js';
import { KyselyAuditOutbox } from './audit-outbox-repo.js';
import { KyselyExpiryWarnings } from './expiry-warnings-repo.js';
import { KyselyNotificationStore } from './notifications-repo.js';
import { pruneAuditOutbox } from './audit-outbox-repo.js';
import { lockAuditHead } from './repos/audit.js';
import { reposOver } from './repos/index.js';
import { KyselyThrottleCounters } from './throttle-repo.js';
import type { Database } from './tables.js';

/**
 * The whole database budget of an interactive request (a Slack command, click or submission, an API
 * call): every attempt, back-off and wait for a pooled connection ends within it. Slack wants its answer
 * within 3 s, and a modal submission waits for the write, so this leaves a second for the rest.
 */
const INTERACTIVE_DEADLINE_MS = 2000;
/** /healthz answers within this even when the database accepts connections and never replies. */
const PING_DEADLINE_MS = 1000;

/**
 * Maps every fault of every repository call to an AppError, so no raw database error reaches a user,
 * and retries the ones worth it (a reconnect; a stray write meeting another process's lock) in time.
 */
function withFaultMapping(repos: Repos, dialect: Connection['dialect']): Repos {
  const mapped: Record<string, Record<string, unknown>> = {};
  for (const [table, methods] of Object.entries(repos)) {
    mapped[table] = Object.fromEntries(
      Object.entries(methods as Record<string, (...a: unknown[]) => Promise<unknown>>).map(([name, method]) => [
        name,
        (...args: unknown[]) => withFaultRetries({ dialect, deadlineMs: INTERACTIVE_DEADLINE_MS, retryUnavailable: true, bounded: true }, () => method(...args)),
      ]),
    );
  }
  return mapped as unknown as Repos;
}

export function createStore(connection: Connection): Store {
  const { db, dialect } = connection;
  const read = withFaultMapping(reposOver(db), dialect);

  async function attempt<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return db.transaction().execute(async (trx) => {
      if (dialect === 'postgres') await lockAuditHead(trx);
      return fn(trx);
    });
  }

  /** The audited write path (chain lock, retries); the expiry job writes its markers through it too. */
  function writeAudited<T>(fn: (trx: Transaction<Database>) => Promise<T>, budgetMs = INTERACTIVE_DEADLINE_MS): Promise<T> {
    return withFaultRetries({ dialect, deadlineMs: budgetMs, retryUnavailable: true, bounded: true }, () => attempt(fn));
  }

  return {
    dialect,
    read,
    write<T>(fn: (tx: Repos) => Promise<T>, options: WriteOptions = {}): Promise<T> {
      return writeAudited((trx) => fn(reposOver(trx)), options.budgetMs);
    },
    auditOutbox: new KyselyAuditOutbox(connection),
    expiryWarnings: new KyselyExpiryWarnings(connection, writeAudited),
    notifications: new KyselyNotificationStore(connection, writeAudited),
    pruneAuditOutbox: (cutoff, limit) => pruneAuditOutbox(connection, cutoff, limit),
    throttle: new KyselyThrottleCounters(connection),
    async ping(): Promise<void> {
      try {
        const ping = () => sql`select 1`.execute(db);
        // Only PostgreSQL's pool reads the deadline; on Node 20 AsyncLocalStorage slows every promise
        // once used, so SQLite never turns it on.
        await (dialect === 'postgres' ? runWithDeadline(Date.now() + PING_DEADLINE_MS, ping) : ping());
      } catch (error) {
        throw faultToAppError(error);
      }
    },
    async close(): Promise<void> {
      await db.destroy();
    },
  };
}
