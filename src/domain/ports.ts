import type { AuditOutbox } from './audit-outbox.js';
import type { ExpiryWarningStore } from './expiry-ports.js';
import type { Notification, NotificationOutbox } from './notifications.js';
import type { StaleKeyStore } from './stale-keys.js';
import type { AccessKey, AccessRequest, AuditHead, AuditRecord, Role, RolePolicy, User } from './model.js';
import type { OwnerNotice } from './owner-notices.js';
import type { ThrottleCounters } from './throttle-ports.js';

/**
 * What the domain needs from storage. `src/db` implements it over Kysely; the domain never sees SQL.
 * Every method works the same inside a write transaction (`Store.write`) and outside it (`Store.read`).
 */
export interface Repos {
  findUser(id: string): Promise<User | undefined>;
  insertUser(user: User): Promise<void>;
  updateUser(id: string, patch: Partial<Pick<User, 'activeRoleId' | 'apiAccess'>>): Promise<void>;

  findRoleById(id: string): Promise<Role | undefined>;
  findRoleByName(name: string): Promise<Role | undefined>;
  listRoles(): Promise<Role[]>;
  /** Inserts unless a role of that name (ignoring case) exists; says whether it inserted. */
  insertRoleIfAbsent(role: Role): Promise<boolean>;
  deleteRole(id: string): Promise<void>;
  listRolesOfUser(userId: string): Promise<Role[]>;
  hasRole(userId: string, roleId: string): Promise<boolean>;
  addUserRole(userId: string, roleId: string, assignedBy: string, at: string): Promise<void>;
  removeUserRole(userId: string, roleId: string): Promise<void>;
  listRoleMemberIds(roleId: string): Promise<string[]>;

  insertAccessRequest(request: AccessRequest): Promise<void>;
  findAccessRequest(id: string): Promise<AccessRequest | undefined>;
  findPendingAccessRequest(userId: string): Promise<AccessRequest | undefined>;
  updateAccessRequest(id: string, patch: Partial<Pick<AccessRequest, 'status' | 'decidedAt' | 'decidedBy' | 'decisionReason' | 'cardChannel' | 'cardTs'>>): Promise<void>;
  listPendingAccessRequestsExpiredBy(nowIso: string, limit: number): Promise<AccessRequest[]>;

  countKeys(ownerId: string, roleId: string): Promise<number>;
  insertKey(key: AccessKey): Promise<void>;
  findKeyById(id: string): Promise<AccessKey | undefined>;
  findKeyByHash(keyHash: string): Promise<AccessKey | undefined>;
  findKeyByRequestId(requestId: string): Promise<AccessKey | undefined>;
  /** Keys of an owner whose name matches ignoring case, in one role or in all of them. */
  findKeysByName(ownerId: string, roleId: string | null, name: string): Promise<AccessKey[]>;
  listKeys(filter: { ownerId?: string; roleId?: string; limit?: number; offset?: number }): Promise<AccessKey[]>;
  countAllKeys(filter: { ownerId?: string }): Promise<number>;
  updateKey(id: string, patch: Partial<Pick<AccessKey, 'status' | 'expiresAt' | 'lastUsedAt' | 'lastUsedIp' | 'rotatedTo' | 'deliveredAt'>>): Promise<void>;
  /**
   * Moves a key's last use forward to `at` (never back: out-of-order flushes from several replicas are
   * harmless). 'first' when it had never been used, so the caller audits the first use in the same
   * transaction; 'unchanged' when the key is gone or already shows a later use.
   */
  touchKeyLastUsed(id: string, at: string, clientAddress: string | null): Promise<'first' | 'moved' | 'unchanged'>;
  /**
   * The same for many keys already used before, in one statement: moves each last use forward, never
   * back, and never touches a key still at "never" (its first use must be audited, one by one, above).
   * Returns how many keys moved.
   */
  touchUsedKeysLastUsed(uses: ReadonlyArray<{ keyId: string; at: string; clientAddress: string | null }>): Promise<number>;
  /** The verify hot path: the key with its role in one indexed lookup (no second query for the role). */
  findKeyAndRoleByHash(keyHash: string): Promise<{ key: AccessKey; role: Role | undefined } | undefined>;
  /** Audit records still waiting to be mirrored to the security channel (the backlog metric). */
  countPendingAudit(): Promise<number>;
  /** Keys by the status a user sees at `nowIso` (expired wins over inactive), for the metrics endpoint. */
  countKeysByStatus(nowIso: string): Promise<{ active: number; inactive: number; expired: number }>;
  deleteKey(id: string): Promise<void>;
  /** A deleted successor no longer stands for its predecessor: the predecessor is an ordinary key again. */
  clearRotationsTo(successorId: string): Promise<void>;

  /** Keys whose secret never reached their owner, created at or before `createdBefore`, oldest first. */
  listUndeliveredKeys(createdBefore: string, limit: number): Promise<AccessKey[]>;
  /** The key a rotation retires in favour of `successorId`, if any. */
  findKeyRotatedTo(successorId: string): Promise<AccessKey | undefined>;
  /**
   * Records that the interaction `id` (a Slack view or button press) is being acted on, in the caller's
   * transaction. False when it was recorded before: the caller changes nothing (a replay).
   */
  claimRequest(id: string, actorId: string, at: string): Promise<boolean>;
  /** Forgets interactions recorded before `at` (Slack replays older than its 5-minute window fail their signature). */
  forgetRequestsBefore(at: string): Promise<number>;

  readAuditHead(): Promise<AuditHead>;
  /** Appends the record and queues it for the security-channel mirror, in the caller's transaction. */
  insertAudit(record: AuditRecord): Promise<void>;
  writeAuditHead(head: AuditHead): Promise<void>;
  listAuditAscending(afterSeq: number, limit: number): Promise<AuditRecord[]>;
  searchAudit(filter: AuditSearch): Promise<AuditRecord[]>;

  /** Queues a DM to a key's owner about a change made through the key API, in the caller's transaction. */
  queueOwnerNotice(notice: OwnerNotice): Promise<void>;
  /** Queues a user-facing notification in the caller's transaction (README "Background work"); `notBefore` delays it. */
  enqueueNotification(notification: Notification, at: string, notBefore?: string): Promise<void>;
  /** "Keep" on a stale-key notice: the key's stale clock restarts at `at`. */
  markKeyKept(id: string, at: string): Promise<void>;
  /** Security-team controls (README, "Security-team controls"): a role's lifetime policy; one chain record by seq. */
  setRolePolicy(roleId: string, policy: RolePolicy): Promise<void>;
  findAuditRecord(seq: number): Promise<AuditRecord | undefined>;

  getSetting(name: string): Promise<string | undefined>;
  setSetting(name: string, value: string): Promise<void>;
}

export interface AuditSearch {
  /** Records where this user acted or owns the key. */
  userId?: string;
  keyId?: string;
  sinceIso?: string;
  /** Newest first, below this seq (for paging). */
  beforeSeq?: number;
  limit: number;
}

/** How a write may spare the verify path's key cache (src/db/key-cache.ts). */
export interface WriteOptions {
  /**
   * The write provably cannot make any key unusable (last-used times, audit records of failures), so
   * the key cache is kept and no other replica is told. Anything else drops every replica's cache.
   */
  cannotRevokeKeys?: boolean;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  readonly read: Repos;
  /**
   * Runs `fn` in one transaction that holds the write lock for audited changes (SQLite: BEGIN IMMEDIATE;
   * PostgreSQL: the audit head row, FOR UPDATE). No network call may be awaited inside `fn`.
   */
  write<T>(fn: (tx: Repos) => Promise<T>, options?: WriteOptions): Promise<T>;
  /** The security-channel mirror's queue (background work; short transactions of its own). */
  readonly auditOutbox: AuditOutbox;
  /** Expiry-warning markers and their DM queue. */
  readonly expiryWarnings: ExpiryWarningStore;
  /** The user-facing notification outbox, approval reminders and stale-key markers. */
  readonly notifications: NotificationOutbox & StaleKeyStore & {
    queueReminders(openSince: Date, now: Date, limit: number): Promise<number>;
    listOpenRequests(now: Date, limit: number): Promise<AccessRequest[]>;
  };
  /** Deletes audit_outbox rows posted before `cutoff` (OUTBOX_RETENTION); returns how many. */
  pruneAuditOutbox(cutoff: Date, limit: number): Promise<number>;
  /** The integration API's failed-attempt counters, shared by every replica. */
  readonly throttle: ThrottleCounters;
  ping(): Promise<void>;
  close(): Promise<void>;
}
