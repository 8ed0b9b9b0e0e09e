import { sql, type Transaction } from 'kysely';
import type { Repos, Store, UsageRepos, WriteOptions } from '../domain/ports.js';
import type { Connection } from './connect.js';
import { runWithDeadline } from './deadline.js';
import { faultToAppError, withFaultRetries } from './faults.js';
import { KEY_CHANGES_CHANNEL } from './key-change-listener.js';
import { KyselyAuditOutbox } from './audit-outbox-repo.js';
import { KyselyExpiryWarnings } from './expiry-warnings-repo.js';
import { KyselyNotificationStore } from './notifications-repo.js';
import { pruneAuditOutbox } from './audit-outbox-repo.js';
import { lockAuditHead } from './repos/audit.js';
import { readReposOf, reposOver, usageReposOf } from './repos/index.js';
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
        (...args: unknown[]) =>
          withFaultRetries({ dialect, deadlineMs: INTERACTIVE_DEADLINE_MS, retryUnavailable: true, bounded: true }, () => method(...args)),
      ]),
    );
  }
  return mapped as unknown as Repos;
}

/**
 * `keys.findWithRoleByHash` (the verify hot path) answered through the connection's key cache
 * (key-cache.ts); a miss reads through the fault-mapped repository. Every other method is unchanged.
 */
function withKeyCache(repos: Repos, connection: Connection): Repos {
  const cache = connection.keyCache;
  const load = (keyHash: string) => repos.keys.findWithRoleByHash(keyHash);
  const keys: Repos['keys'] = { ...repos.keys, findWithRoleByHash: (keyHash: string) => cache.lookup(keyHash, load) };
  return { ...repos, keys };
}

export function createStore(connection: Connection): Store {
  const { db, dialect, keyCache } = connection;
  const pooled = withKeyCache(withFaultMapping(reposOver(db), dialect), connection);

  async function attempt<T>(fn: (trx: Transaction<Database>) => Promise<T>, keysMayChange: boolean): Promise<T> {
    return db.transaction().execute(async (trx) => {
      if (dialect === 'postgres') await lockAuditHead(trx);
      const result = await fn(trx);
      // Delivered at commit, and only then, to every replica's listener (key-change-listener.ts).
      if (keysMayChange && dialect === 'postgres')
        await sql`select pg_notify(${KEY_CHANGES_CHANNEL}, ${connection.keyChanges?.origin ?? ''})`.execute(trx);
      return result;
    });
  }

  /**
   * The audited write path (chain lock, retries); the expiry job and stale-key auto-inactivation write
   * through it too. Unless the caller says its write cannot make a key unusable, this process's key
   * cache is dropped before the caller hears of the commit, so its very next verify reads the database;
   * on PostgreSQL the other replicas are told in the same transaction. Tracking which keys changed
   * would need every repository method to report it; dropping all is simpler and writes are rare.
   * It is dropped whatever the outcome: a COMMIT that timed out may still have committed.
   */
  async function writeAudited<T>(
    fn: (trx: Transaction<Database>) => Promise<T>,
    options: WriteOptions & { cannotRevokeKeys?: boolean } = {},
  ): Promise<T> {
    const keysMayChange = options.cannotRevokeKeys !== true;
    try {
      return await withFaultRetries(
        { dialect, deadlineMs: options.budgetMs ?? INTERACTIVE_DEADLINE_MS, retryUnavailable: true, bounded: true },
        () => attempt(fn, keysMayChange),
      );
    } finally {
      if (keysMayChange) keyCache.invalidate();
    }
  }

  return {
    dialect,
    read: readReposOf(pooled),
    cachedKeyWithRole: (keyHash) => keyCache.peek(keyHash),
    write<T>(fn: (tx: Repos) => Promise<T>, options?: WriteOptions): Promise<T> {
      return writeAudited((trx) => fn(reposOver(trx)), options);
    },
    writeUsage<T>(fn: (tx: UsageRepos) => Promise<T>): Promise<T> {
      return writeAudited((trx) => fn(usageReposOf(reposOver(trx))), { cannotRevokeKeys: true });
    },
    settings: pooled.settings,
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
