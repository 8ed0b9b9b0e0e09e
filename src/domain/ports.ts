import type { StreamQueue } from './streams/model.js';
import type { AuditOutbox } from './audit-outbox.js';
import type { ExpiryWarningStore } from './expiry-ports.js';
import type { NotificationOutbox } from './notifications.js';
import type { KeyWithRole, ReadRepos, Repos, SettingsRepo, UsageRepos } from './repo-ports.js';
import type { OwnerReconcileStore } from './owner-reconcile-ports.js';
import type { StaleKeyStore } from './stale-key-ports.js';
import type { ThrottleCounters } from './throttle-ports.js';
import type { UsageCounts } from './usage-counts.js';

// The per-table interfaces live in a leaf module (repo-ports.ts) so the other port files can use them
// without an import cycle through this one; they are re-exported here, where the domain looks for them.
export type * from './repo-ports.js';

/** How a write may ask for more time. */
export interface WriteOptions {
  /**
   * The transaction's whole database budget, retries included, instead of an interactive request's
   * 2 s. Only for changes acknowledged before they run that touch many rows (a role deletion).
   */
  budgetMs?: number;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  readonly read: ReadRepos;
  /**
   * The verify hot path without a promise: a key this process's key cache holds (only usable keys, only
   * while the change feed is trusted; src/db/key-cache.ts), or undefined — then ask
   * `read.keys.findWithRoleByHash`, which is never staler than this.
   */
  cachedKeyWithRole(keyHash: string): KeyWithRole | undefined;
  /**
   * Runs `fn` in one transaction that holds the write lock for audited changes (SQLite: BEGIN IMMEDIATE;
   * PostgreSQL: the audit head row, FOR UPDATE). No network call may be awaited inside `fn`.
   */
  write<T>(fn: (tx: Repos) => Promise<T>, options?: WriteOptions): Promise<T>;
  /**
   * A write that provably cannot make any key unusable (last-used times, audit records of failures): it
   * reaches only `UsageRepos`, so the key cache is kept and no other replica is told. Anything else goes
   * through `write`, which drops every replica's cache.
   */
  writeUsage<T>(fn: (tx: UsageRepos) => Promise<T>): Promise<T>;
  /** The security-channel mirror's queue (background work; short transactions of its own). */
  readonly auditOutbox: AuditOutbox;
  /** Event streams' cursors into the audit log (background delivery; docs/streams.md). */
  readonly streamQueue: StreamQueue;
  /** Expiry-warning markers and their DM queue. */
  readonly expiryWarnings: ExpiryWarningStore;
  /** The user-facing notification outbox. */
  readonly notifications: NotificationOutbox;
  /** Stale-key notice markers (their DMs go through the notification outbox). */
  readonly staleKeys: StaleKeyStore;
  /** The daily owner reconcile's run claims and cursors (docs/offboarding.md). */
  readonly ownerReconcile: OwnerReconcileStore;
  /**
   * Queues one reminder for each request open since before `openSince` and not reminded yet (a short
   * transaction of its own; each request is reminded once across replicas); returns how many.
   */
  queueReminders(openSince: Date, now: Date, limit: number): Promise<number>;
  /** Deletes audit_outbox rows posted before `cutoff` (OUTBOX_RETENTION); returns how many. */
  pruneAuditOutbox(cutoff: Date, limit: number): Promise<number>;
  /** App settings outside the audit lock (the audit tail witness: it must not wait on the chain it watches). */
  readonly settings: SettingsRepo;
  /** The integration API's failed-attempt counters, shared by every replica. */
  readonly throttle: ThrottleCounters;
  /** Per-key hourly usage counters (SPEC §15), shared by every replica; outside the audit lock. */
  readonly usageCounts: UsageCounts;
  ping(): Promise<void>;
  close(): Promise<void>;
}
