import type { KeyLeak } from './leak-model.js';
import type { Notification } from './notifications.js';
import type {
  AccessKey,
  AccessRequest,
  AuditHead,
  AuditRecord,
  MfaEnrolment,
  Offboarding,
  OffboardingDecision,
  ReviewCampaign,
  ReviewDecision,
  ReviewItem,
  Role,
  RolePolicy,
  User,
} from './model.js';
import type { AuditStream, StreamState } from './streams/model.js';

/**
 * What the domain needs from storage, one small interface per table. `src/db/repos/<table>.ts`
 * implements each over Kysely and `src/db/store.ts` binds them to the pool or a transaction; the domain
 * never sees SQL. Every method works the same inside a write transaction (`Store.write`) and outside it
 * (`Store.read`).
 */
export interface Repos {
  users: UsersRepo;
  roles: RolesRepo;
  memberships: MembershipsRepo;
  accessRequests: AccessRequestsRepo;
  keys: KeysRepo;
  audit: AuditRepo;
  processedRequests: ProcessedRequestsRepo;
  settings: SettingsRepo;
  notifications: NotificationsRepo;
  offboardings: OffboardingsRepo;
  reviews: ReviewsRepo;
  streams: StreamsRepo;
  leaks: KeyLeaksRepo;
  dualControl: DualControlRepo;
  mfa: MfaRepo;
  usageAnomalies: UsageAnomaliesRepo;
}

/** Second-admin confirmations of sensitive changes (docs/admin-security.md): who agreed to what, once each. */
export interface DualControlRepo {
  /** Records that `approverId` agreed to `subject`; false when they had already. */
  record(subject: string, approverId: string, at: string): Promise<boolean>;
  /** Who agreed to `subject`, oldest first. */
  approversOf(subject: string): Promise<string[]>;
  clear(subject: string): Promise<void>;
  /** Drops agreements to `subject` made before `sinceIso` (lapsed). */
  forgetBefore(subject: string, sinceIso: string): Promise<void>;
}

/** Admins' TOTP enrolments. */
export interface MfaRepo {
  find(userId: string): Promise<MfaEnrolment | undefined>;
  /** Inserts, or replaces an existing enrolment of the user (a fresh enrolment starts over). */
  put(enrolment: MfaEnrolment): Promise<void>;
  update(
    userId: string,
    patch: Partial<Pick<MfaEnrolment, 'status' | 'confirmedAt' | 'lastStep' | 'failures' | 'lockedUntil'>>,
  ): Promise<void>;
  remove(userId: string): Promise<void>;
}

/**
 * The reading half of each repository, by name. `Store.read` hands out only these (so code outside a
 * write transaction cannot write by mistake and skip the audit lock); src/db picks them at run time too,
 * so not even a cast gets past it.
 */
export const READ_METHODS = {
  users: ['find'],
  roles: ['findById', 'findByName', 'list'],
  memberships: ['rolesOf', 'has', 'memberIds'],
  accessRequests: ['find', 'findPending', 'listPendingExpiredBy', 'listOpen'],
  keys: [
    'count',
    'findById',
    'findByRequestId',
    'findByName',
    'list',
    'countAll',
    'findWithRoleByHash',
    'countByStatus',
    'listUndelivered',
    'findRotatedTo',
    'findExistingHashes',
    'listGraceEnding',
  ],
  audit: ['readHead', 'listAscending', 'search', 'findBySeq', 'countPending', 'highestQueuedSeq'],
  settings: ['get'],
  offboardings: ['find', 'isDeactivated'],
  reviews: ['findCampaign', 'findItem', 'listCampaigns', 'items', 'openItemsOf', 'dueCampaigns'],
  streams: ['findById', 'list'],
  leaks: ['find'],
  dualControl: ['approversOf'],
  mfa: ['find'],
} as const satisfies { [R in keyof Repos]?: ReadonlyArray<keyof Repos[R]> };

/**
 * What a write that cannot make any key unusable gets (`Store.writeUsage`): the reads, keys' last-use
 * times and the audit log. Nothing else can be reached, so every replica's key cache is rightly kept.
 */
export const USAGE_METHODS = {
  ...READ_METHODS,
  keys: [...READ_METHODS.keys, 'touchLastUsed', 'touchUsedLastUsed'],
  audit: ['readHead', 'insert', 'writeHead', 'listAscending', 'search', 'findBySeq', 'countPending', 'highestQueuedSeq'],
  // A usage anomaly notice (docs/usage-analytics.md): a marker and the owner's DM, never a key change.
  usageAnomalies: ['markOnce'],
  // Report-only networks (docs/least-privilege.md): a notice once per key, network and hour.
  notifications: ['enqueue', 'enqueueOnce'],
} as const satisfies { [R in keyof Repos]?: ReadonlyArray<keyof Repos[R]> };

type Picked<M extends { [R in keyof Repos]?: ReadonlyArray<keyof Repos[R]> }> = {
  [R in keyof M & keyof Repos]: M[R] extends ReadonlyArray<infer K extends keyof Repos[R]> ? Pick<Repos[R], K> : never;
};

export type ReadRepos = Picked<typeof READ_METHODS>;
export type UsageRepos = Picked<typeof USAGE_METHODS>;

export interface UsersRepo {
  find(id: string): Promise<User | undefined>;
  insert(user: User): Promise<void>;
  update(id: string, patch: Partial<Pick<User, 'activeRoleId' | 'apiAccess'>>): Promise<void>;
}

export interface RolesRepo {
  findById(id: string): Promise<Role | undefined>;
  findByName(name: string): Promise<Role | undefined>;
  list(): Promise<Role[]>;
  /** Inserts unless a role of that name (ignoring case) exists; says whether it inserted. */
  insertIfAbsent(role: Role): Promise<boolean>;
  remove(id: string): Promise<void>;
  /** Security-team controls (docs/usage.md, "Security-team controls"): a role's lifetime policy. */
  setPolicy(roleId: string, policy: RolePolicy): Promise<void>;
  /** Least privilege: the role's whole permission set, sorted (docs/least-privilege.md). */
  setPermissions(roleId: string, permissions: readonly string[]): Promise<void>;
}

/** Who holds which role. */
export interface MembershipsRepo {
  rolesOf(userId: string): Promise<Role[]>;
  has(userId: string, roleId: string): Promise<boolean>;
  add(userId: string, roleId: string, assignedBy: string, at: string): Promise<void>;
  remove(userId: string, roleId: string): Promise<void>;
  memberIds(roleId: string): Promise<string[]>;
}

export interface AccessRequestsRepo {
  insert(request: AccessRequest): Promise<void>;
  find(id: string): Promise<AccessRequest | undefined>;
  findPending(userId: string): Promise<AccessRequest | undefined>;
  update(
    id: string,
    patch: Partial<Pick<AccessRequest, 'status' | 'decidedAt' | 'decidedBy' | 'decisionReason' | 'cardChannel' | 'cardTs' | 'approvals'>>,
  ): Promise<void>;
  listPendingExpiredBy(nowIso: string, limit: number): Promise<AccessRequest[]>;
  /** Pending requests not expired at `nowIso`, oldest first. */
  listOpen(nowIso: string, limit: number): Promise<AccessRequest[]>;
}

/** A key and its role, as the verify path reads them together. */
export type KeyWithRole = { key: AccessKey; role: Role | undefined };

export interface KeysRepo {
  count(ownerId: string, roleId: string): Promise<number>;
  insert(key: AccessKey): Promise<void>;
  findById(id: string): Promise<AccessKey | undefined>;
  findByRequestId(requestId: string): Promise<AccessKey | undefined>;
  /** Keys of an owner whose name matches ignoring case, in one role or in all of them. */
  findByName(ownerId: string, roleId: string | null, name: string): Promise<AccessKey[]>;
  list(filter: { ownerId?: string; roleId?: string; limit?: number; offset?: number }): Promise<AccessKey[]>;
  countAll(filter: { ownerId?: string }): Promise<number>;
  update(
    id: string,
    patch: Partial<Pick<AccessKey, 'status' | 'expiresAt' | 'lastUsedAt' | 'lastUsedIp' | 'rotatedTo' | 'deliveredAt'>>,
  ): Promise<void>;
  /**
   * Moves a key's last use forward to `at` (never back: out-of-order flushes from several replicas are
   * harmless). 'first' when it had never been used, so the caller audits the first use in the same
   * transaction; 'unchanged' when the key is gone or already shows a later use.
   */
  touchLastUsed(id: string, at: string, clientAddress: string | null): Promise<'first' | 'moved' | 'unchanged'>;
  /**
   * The same for many keys already used before, in one statement: moves each last use forward, never
   * back, and never touches a key still at "never" (its first use must be audited, one by one, above).
   * Returns how many keys moved.
   */
  touchUsedLastUsed(uses: ReadonlyArray<{ keyId: string; at: string; clientAddress: string | null }>): Promise<number>;
  /** The verify hot path: the key with its role in one indexed lookup (no second query for the role). */
  findWithRoleByHash(keyHash: string): Promise<KeyWithRole | undefined>;
  /** Keys by the status a user sees at `nowIso` (expired wins over inactive), for the metrics endpoint. */
  countByStatus(nowIso: string): Promise<{ active: number; inactive: number; expired: number }>;
  /** The row only: the domain's `removeKey` (keys/common.ts) is the delete with its cascade and audit. */
  remove(id: string): Promise<void>;
  /** A deleted successor no longer stands for its predecessor: the predecessor is an ordinary key again. */
  clearRotationsTo(successorId: string): Promise<void>;
  /** Keys whose secret never reached their owner, created at or before `createdBefore`, oldest first. */
  listUndelivered(createdBefore: string, limit: number): Promise<AccessKey[]>;
  /** The key a rotation retires in favour of `successorId`, if any. */
  findRotatedTo(successorId: string): Promise<AccessKey | undefined>;
  /** "Keep" on a stale-key notice: the key's stale clock restarts at `at`. */
  markKept(id: string, at: string): Promise<void>;
  /** A key's network ranges (canonical CIDRs) and its report-only switch. */
  setNetworks(id: string, networks: readonly string[], reportOnly: boolean): Promise<void>;
  /** A transfer (docs/offboarding.md): the key belongs to `ownerId` from now on. */
  setOwner(id: string, ownerId: string): Promise<void>;
  /** Which of these hashes are some key's (the leak intake's batch lookup). */
  findExistingHashes(hashes: readonly string[]): Promise<string[]>;
  /** Rotated-out keys still active whose grace ends in (`after`, `until`], soonest first. */
  listGraceEnding(after: string, until: string, limit: number): Promise<AccessKey[]>;
}

/** The hash-chained audit log and its head. */
export interface AuditRepo {
  readHead(): Promise<AuditHead>;
  /** Appends the record and queues it for the security-channel mirror, in the caller's transaction. */
  insert(record: AuditRecord): Promise<void>;
  writeHead(head: AuditHead): Promise<void>;
  listAscending(afterSeq: number, limit: number): Promise<AuditRecord[]>;
  search(filter: AuditSearch): Promise<AuditRecord[]>;
  findBySeq(seq: number): Promise<AuditRecord | undefined>;
  /** Audit records still waiting to be mirrored to the security channel (the backlog metric). */
  countPending(): Promise<number>;
  /** The highest seq in the mirror's queue (0 when empty): above the head, it is evidence of a cut tail. */
  highestQueuedSeq(): Promise<number>;
}

/** Event streams for SIEMs (`audit_streams`): the admin's changes, audited in the same transaction. */
export interface StreamsRepo {
  /** `secretSealed`: the webhook's encrypted signing secret (never read back through this repository). */
  insert(stream: AuditStream, secretSealed: string | null): Promise<void>;
  findById(id: string): Promise<AuditStream | undefined>;
  list(): Promise<AuditStream[]>;
  /** False when the stream is gone. Resuming makes it due at once. */
  setState(id: string, state: StreamState, now: string): Promise<boolean>;
  remove(id: string): Promise<boolean>;
  /** Replay from `fromSeq`: the cursor moves to just before it, any batch in progress is dropped. */
  replayFrom(id: string, fromSeq: number, now: string): Promise<boolean>;
  /** Sets whether the security channel was told the stream is failing; true only for the call that changed it. */
  markAlerted(id: string, alerted: boolean): Promise<boolean>;
}

/** The Slack interactions already acted on. */
export interface ProcessedRequestsRepo {
  /** Whether the interaction `id` was claimed before (without claiming it). */
  seen(id: string): Promise<boolean>;
  /**
   * Records that the interaction `id` (a Slack view or button press) is being acted on, in the caller's
   * transaction. False when it was recorded before: the caller changes nothing (a replay).
   */
  claim(id: string, actorId: string, at: string): Promise<boolean>;
  /** Forgets interactions recorded before `at` (Slack replays older than its 5-minute window fail their signature). */
  forgetBefore(at: string): Promise<number>;
}

export interface SettingsRepo {
  get(name: string): Promise<string | undefined>;
  set(name: string, value: string): Promise<void>;
  remove(name: string): Promise<void>;
}

/** Usage anomaly markers (docs/usage-analytics.md): one per key, kind and UTC day. */
export interface UsageAnomaliesRepo {
  /** Inserts the marker unless it exists; true when this call inserted it (and so tells the owner). */
  markOnce(keyId: string, kind: string, day: string, at: string): Promise<boolean>;
}

export interface NotificationsRepo {
  /** Queues a user-facing notification in the caller's transaction (docs/operations.md, "Background work"); `notBefore` delays it. */
  enqueue(notification: Notification, at: string, notBefore?: string): Promise<void>;
  /**
   * Queues it under a fixed id unless a row with that id exists (from this replica or any other); says
   * whether it queued. For notices that must go out once per period (report-only networks).
   */
  enqueueOnce(id: string, notification: Notification, at: string): Promise<boolean>;
  /** Queues many at once, in the order given (a review campaign's DMs). */
  enqueueMany(notifications: readonly Notification[], at: string): Promise<void>;
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

/** Offboardings (docs/offboarding.md): the deactivated-account markers, the cards and their decisions. */
export interface OffboardingsRepo {
  /** Marks the person deactivated; false when they already were (the caller then changes nothing). */
  markDeactivated(userId: string, at: string, offboardingId: string): Promise<boolean>;
  /** The account is active again: a later deactivation offboards afresh. Says whether it was marked. */
  forgetDeactivated(userId: string): Promise<boolean>;
  isDeactivated(userId: string): Promise<boolean>;
  insert(offboarding: Offboarding): Promise<void>;
  find(id: string): Promise<Offboarding | undefined>;
  /** Records the decision for a key still undecided; false when it was decided before (nothing written). */
  decide(
    offboardingId: string,
    keyId: string,
    decision: { decision: OffboardingDecision; decidedBy: string; decidedAt: string; newOwnerId: string | null },
  ): Promise<boolean>;
}

/** Access-review campaigns and their items (docs/offboarding.md, "Access reviews"). */
export interface ReviewsRepo {
  insertCampaign(campaign: ReviewCampaign, items: readonly ReviewItem[]): Promise<void>;
  findCampaign(id: string): Promise<ReviewCampaign | undefined>;
  findItem(campaignId: string, keyId: string): Promise<ReviewItem | undefined>;
  /** Newest first. */
  listCampaigns(limit: number): Promise<Array<ReviewCampaign & { answered: number; open: number }>>;
  /** Every item of a campaign, by owner then key name. */
  items(campaignId: string): Promise<ReviewItem[]>;
  /** Up to `limit` open (undecided) items of a campaign. */
  openItems(campaignId: string, limit: number): Promise<ReviewItem[]>;
  /** The open (undecided) items of one owner in a campaign. */
  openItemsOf(campaignId: string, ownerId: string): Promise<ReviewItem[]>;
  /** Records an answer for an undecided item; false when it was decided before (nothing written). */
  decide(
    campaignId: string,
    keyId: string,
    answer: { decision: ReviewDecision; decidedBy: string; decidedAt: string; reason: string | null; auditSeq: number },
  ): Promise<boolean>;
  /** Open campaigns whose reminder (`remind_at`) or deadline is at or before `nowIso`. */
  dueCampaigns(nowIso: string, limit: number): Promise<ReviewCampaign[]>;
  /** Marks the reminder sent; false when it was before. */
  markReminded(id: string, at: string): Promise<boolean>;
  /** Closes the campaign; false when it was closed before. */
  markClosed(id: string, at: string): Promise<boolean>;
}
/** `key_leaks`: read and written inside the audited transaction of the sighting or decision. */
export interface KeyLeaksRepo {
  find(keyId: string): Promise<KeyLeak | undefined>;
  insert(leak: KeyLeak): Promise<void>;
  update(keyId: string, patch: Partial<Omit<KeyLeak, 'keyId' | 'firstAt'>>): Promise<void>;
}

export type { KeyLeak, LeakResolution, LeakSource } from './leak-model.js';
