import { setTimeout as sleep } from 'node:timers/promises';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Repos, Store, UsageRepos, WriteOptions } from '../domain/ports.js';
import type { Connection } from './connect.js';
import { runWithDeadline } from './deadline.js';
import { outcomeUnknown } from '../errors.js';
import { classifyFault, faultToAppError, withFaultRetries } from './faults.js';
import { KEY_CHANGES_CHANNEL } from './key-change-listener.js';
import { backgroundStatement, backgroundTransaction } from './background-tx.js';
import { KyselyAuditOutbox, pruneAuditOutbox } from './queues/audit-outbox.js';
import { KyselyStreamQueue } from './queues/audit-streams.js';
import { KyselyExpiryWarnings } from './queues/expiry-warnings.js';
import { KyselyNotificationOutbox } from './queues/notification-outbox.js';
import { KyselyOwnerReconcileRuns } from './queues/owner-reconcile.js';
import { KyselyStaleKeyNotices } from './queues/stale-key-notices.js';
import * as accessRequests from './repos/access-requests.js';
import * as authThrottle from './repos/auth-throttle.js';
import * as usageAnomalies from './repos/usage-anomalies.js';
import * as usageCounts from './repos/usage-counts.js';
import { lockAuditHead } from './repos/audit.js';
import { readReposOf, reposOver, usageReposOf } from './repos/index.js';
import type { Database } from './tables.js';

/**
 * The whole database budget of an interactive request (a Slack command, click or submission, an API
 * call): every attempt, back-off and wait for a pooled connection ends within it. Slack wants its answer
 * within 3 s, and a modal submission waits for the write, so this leaves a second for the rest.
 */
const INTERACTIVE_DEADLINE_MS = 2000;
/**
 * The budget of a background job's audited write (expiry warnings, stale-key notices). No person waits
 * on it, and several replicas' jobs queue on the one chain lock, so 2 s would fail them on a busy machine
 * for nothing: the job would only try again at its next run.
 */
const BACKGROUND_WRITE_BUDGET_MS = 15_000;
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

/** What an attempt had done when its COMMIT went out: the transaction's id and the result it committed. */
interface CommitSent<T> {
  xid: string | undefined;
  result: { value: T } | undefined;
}

/**
 * How long a write whose COMMIT answer was lost may spend finding out, on a fresh connection, whether
 * it committed. A failover that takes longer leaves the outcome unknown, and the user is told so.
 */
const LOST_COMMIT_CHECK_MS = 1500;
const LOST_COMMIT_POLL_MS = 50;

/**
 * Asks PostgreSQL what became of transaction `xid` after its connection died with COMMIT sent. The old
 * backend may still be finishing (it holds the chain lock until then), so 'in progress' is asked
 * again until the budget ends. Any fault of the check itself (the server still away, or a standby
 * promoted without it) leaves the answer 'unknown'.
 */
async function lostCommitStatus(db: Kysely<Database>, xid: string): Promise<'committed' | 'aborted' | 'unknown'> {
  const until = Date.now() + LOST_COMMIT_CHECK_MS;
  return runWithDeadline(until, async () => {
    while (Date.now() < until) {
      try {
        const result = await sql<{ status: string | null }>`select pg_xact_status(${xid}::xid8) as status`.execute(db);
        const status = result.rows[0]?.status;
        if (status === 'committed' || status === 'aborted') return status;
      } catch (error) {
        if (classifyFault(error) !== 'unavailable') return 'unknown';
      }
      await sleep(LOST_COMMIT_POLL_MS);
    }
    return 'unknown';
  });
}

export function createStore(connection: Connection): Store {
  const { db, dialect, keyCache } = connection;
  const pooled = withKeyCache(withFaultMapping(reposOver(db), dialect), connection);

  async function attempt<T>(fn: (trx: Transaction<Database>) => Promise<T>, keysMayChange: boolean): Promise<T> {
    if (dialect === 'sqlite') return db.transaction().execute(fn);
    const sent: CommitSent<T> = { xid: undefined, result: undefined };
    try {
      return await db.transaction().execute(async (trx) => {
        sent.xid = await lockAuditHead(trx);
        const result = await fn(trx);
        // Delivered at commit, and only then, to every replica's listener (key-change-listener.ts).
        if (keysMayChange) await sql`select pg_notify(${KEY_CHANGES_CHANNEL}, ${connection.keyChanges?.origin ?? ''})`.execute(trx);
        // Kysely sends COMMIT next: from here a lost connection may have committed.
        sent.result = { value: result };
        return result;
      });
    } catch (error) {
      if (sent.result === undefined || sent.xid === undefined || classifyFault(error) !== 'unavailable') throw error;
      const status = await lostCommitStatus(db, sent.xid);
      if (status === 'committed') return sent.result.value;
      // Rolled back: running it again is safe, and withFaultRetries does.
      if (status === 'aborted') throw error;
      throw outcomeUnknown(error);
    }
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

  /** The background jobs' audited writes: nobody waits on them, so they may wait longer for the chain lock. */
  const writeInBackground = <T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> =>
    writeAudited(fn, { budgetMs: BACKGROUND_WRITE_BUDGET_MS });

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
    streamQueue: new KyselyStreamQueue(connection),
    expiryWarnings: new KyselyExpiryWarnings(connection, writeInBackground),
    notifications: new KyselyNotificationOutbox(connection),
    staleKeys: new KyselyStaleKeyNotices(connection, writeInBackground),
    ownerReconcile: new KyselyOwnerReconcileRuns(connection),
    queueReminders: (openSince, now, limit) =>
      backgroundTransaction(connection, (trx) =>
        accessRequests.queueReminders(trx, { openSince, now, limit, skipLocked: dialect === 'postgres' }),
      ),
    pruneAuditOutbox: (cutoff, limit) => pruneAuditOutbox(connection, cutoff, limit),
    throttle: {
      hit: (...args) => backgroundStatement(connection, (db) => authThrottle.hit(db, ...args)),
      refund: (...args) => backgroundStatement(connection, (db) => authThrottle.refund(db, ...args)),
      prune: (nowMs) => backgroundStatement(connection, (db) => authThrottle.prune(db, nowMs)),
    },
    usageCounts: {
      // Not audited and never able to revoke a key: outside the audit lock, like the throttle counters.
      add: (cells) => backgroundTransaction(connection, (trx) => usageCounts.add(trx, cells)),
      // Anomaly and grace markers of those days go too: nothing can fire again for a day that old.
      prune: (beforeHour) =>
        backgroundStatement(connection, async (db) => {
          await usageAnomalies.prune(db, new Date(beforeHour * 3_600_000).toISOString().slice(0, 10));
          return usageCounts.prune(db, beforeHour);
        }),
      hourlyTotals: (...args) => backgroundStatement(connection, (db) => usageCounts.hourlyTotals(db, ...args)),
      labelTotals: (...args) => backgroundStatement(connection, (db) => usageCounts.labelTotals(db, ...args)),
      labelTotalUpTo: (...args) => backgroundStatement(connection, (db) => usageCounts.labelTotalUpTo(db, ...args)),
    },
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
