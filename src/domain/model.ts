/** The domain's own view of the data. Timestamps are ISO-8601 UTC strings, as stored. */

export const SYSTEM_ADMIN_ROLE = 'System Admin';

/** Prisma Cloud's default roles (the seed document): two keys each, one for Build and Deploy Security. */
export const BUILTIN_ROLES: ReadonlyArray<{ name: string; maxKeys: number }> = [
  { name: SYSTEM_ADMIN_ROLE, maxKeys: 2 },
  { name: 'Account Group Admin', maxKeys: 2 },
  { name: 'Account Group Read Only', maxKeys: 2 },
  { name: 'Cloud Provisioning Admin', maxKeys: 2 },
  { name: 'Account and Cloud Provisioning Admin', maxKeys: 2 },
  { name: 'Build and Deploy Security', maxKeys: 1 },
];

/** Who did something when it was not a person (start-up bootstrap, the expiry job). */
export const SYSTEM_ACTOR = 'system';

export interface Role {
  id: string;
  name: string;
  maxKeys: number;
  builtin: boolean;
  createdAt: string;
  /** Lifetime policy set by the security team (docs/usage.md, "Security-team controls"); absent fields mean no policy. */
  policy?: RolePolicy;
  /** The role's permission strings, sorted (docs/least-privilege.md); a key holds at most these. */
  permissions: readonly string[];
}

/** `maxDays`: a key's expiry may be at most this many days after the change that sets it. */
export interface RolePolicy {
  maxDays: number | null;
  expiryRequired: boolean;
}

export interface User {
  id: string;
  activeRoleId: string | null;
  /** Granted explicitly; System Admin holders have API access whatever this says (R1). */
  apiAccess: boolean;
  createdAt: string;
}

/**
 * `revoked`: made inactive by an admin (R8); `compromised`: reported compromised (docs/usage.md, "Security-team controls"). Either way
 * only an admin can make it active again.
 */
export type StoredKeyStatus = 'active' | 'inactive' | 'revoked' | 'compromised';
export type KeyStatus = 'Active' | 'Inactive' | 'Expired';

export interface AccessKey {
  id: string;
  name: string;
  ownerId: string;
  roleId: string;
  keyHash: string;
  hashVersion: number;
  /** The first characters of the secret ("aks_AbCd"), so people can tell keys apart without the secret. */
  secretStart: string;
  status: StoredKeyStatus;
  expiresAt: string | null;
  createdAt: string;
  createdBy: string;
  lastUsedAt: string | null;
  lastUsedIp: string | null;
  requestId: string | null;
  /** Set when the key was rotated: its successor's ID. */
  rotatedTo: string | null;
  /** When its secret reached its owner; null until then, and only a delivered key authenticates. */
  deliveredAt: string | null;
  /**
   * The permissions chosen for the key, sorted; null = all of its role's (keys made through the Prisma
   * API, and keys older than permissions). What it may do is always this ∩ the role's current set.
   */
  permissions: readonly string[] | null;
  /** CIDR ranges (canonical, e.g. `10.0.0.0/8`) the key may be used from; empty = anywhere. */
  networks: readonly string[];
  /** A call from outside `networks` is let through and reported instead of refused. */
  networkReportOnly: boolean;
}

export const auditActions = [
  'key.created',
  'key.expiry_extended',
  'key.deactivated',
  'key.activated',
  'key.revoked',
  'key.deleted',
  'key.deleted_by_role_deletion',
  'key.deleted_undelivered',
  'key.expired',
  'key.rotated',
  'key.first_used',
  'key.reported_compromised',
  'api_access.requested',
  'api_access.approved',
  'api_access.denied',
  'api_access.granted',
  'api_access.revoked',
  'api_access.request_expired',
  'api_access.decision_refused',
  'role.created',
  'role.deleted',
  'role.assigned',
  'role.removed',
  'role.switched',
  'role.policy_changed',
  'audit.tail_mismatch',
  'auth.failed',
  // Background notifications: stale keys, self-decisions, the secret CSV's lifetime.
  'key.kept',
  'key.deactivated_as_stale',
  'api_access.self_decision_refused',
  'secret_file.deleted',
  // Least privilege (docs/least-privilege.md).
  'role.permissions_changed',
  'key.networks_changed',
  'key.network_outside_reported',
  // Keys follow people (docs/offboarding.md).
  'key.inactivated_offboarding',
  'key.transferred',
  'key.kept_inactive',
  // Access reviews (docs/offboarding.md, "Access reviews").
  'review.started',
  'review.decided',
  'review.closed',
  // Event streams for SIEMs (docs/streams.md): admin changes, and a stream failing or recovering.
  'stream.created',
  'stream.verified',
  'stream.paused',
  'stream.resumed',
  'stream.deleted',
  'stream.replayed',
  'stream.failing',
  'stream.recovered',
  // Leak response (SPEC §12): a sighting, and an admin's decision on its card.
  'key.leaked',
  'key.leak_kept_inactive',
  'key.leak_false_positive',
  // Approvals that hold up (docs/admin-security.md): partial approvals, second-admin confirmations, step-up codes.
  'api_access.approval_recorded',
  'dual_control.recorded',
  'mfa.enrolled',
  'mfa.reset',
  'mfa.locked',
  // Usage anomalies (docs/usage-analytics.md): a burst of denials, mirrored to the security channel.
  'key.usage_anomaly',
  // Rotation grace that looks before it cuts: kept for 24 h more because the old key was still in use,
  // extended by its owner, or ended by its owner.
  'key.rotation_grace_extended',
  'key.rotation_grace_ended',
  // Installations and settings (SPEC §18).
  'key.inactivated_uninstall',
  'app.installed',
  'app.uninstalled',
  'settings.changed',
] as const;
export type AuditAction = (typeof auditActions)[number];

/** What a change says about itself; the chain fields are added when it is appended. */
export interface AuditEvent {
  actorId: string;
  action: AuditAction;
  keyId?: string | null;
  keyName?: string | null;
  ownerId?: string | null;
  roleName?: string | null;
  expiresAt?: string | null;
  details?: Record<string, string | number | boolean | null>;
}

export interface AuditRecord {
  seq: number;
  at: string;
  actorId: string;
  action: AuditAction;
  keyId: string | null;
  keyName: string | null;
  ownerId: string | null;
  roleName: string | null;
  expiresAt: string | null;
  details: Record<string, string | number | boolean | null>;
  prevHash: string;
  hash: string;
}

export interface AuditHead {
  seq: number;
  hash: string;
}

export type AccessRequestStatus = 'pending' | 'approved' | 'denied' | 'expired';

/** A user's request for API access (R1), decided once by an admin in Slack (docs/rules.md: approvals). */
export interface AccessRequest {
  id: string;
  userId: string;
  reason: string | null;
  status: AccessRequestStatus;
  createdAt: string;
  expiresAt: string;
  decidedAt: string | null;
  decidedBy: string | null;
  decisionReason: string | null;
  /** Where the approvals card was posted, to update it in place. */
  cardChannel: string | null;
  cardTs: string | null;
  /** Distinct admins who pressed Approve so far, in order (SPEC §17: the two-person rule). */
  approvals: RequestApproval[];
  /** How many distinct admins must approve (API_ACCESS_APPROVALS when it was asked). */
  approvalsRequired: number;
}

/** An admin's TOTP enrolment (docs/admin-security.md); the secret only ever encrypted. */
export interface MfaEnrolment {
  userId: string;
  /** AES-256-GCM ciphertext of the base32 secret (src/domain/mfa-crypto.ts). */
  secretEnc: string;
  status: 'pending' | 'active';
  createdAt: string;
  confirmedAt: string | null;
  /** The last TOTP time step accepted; a code of that step or before is a reuse. */
  lastStep: number | null;
  /** Wrong codes in a row. */
  failures: number;
  lockedUntil: string | null;
}

export interface RequestApproval {
  by: string;
  at: string;
}

/** What an admin decided for a key on an offboarding card (docs/offboarding.md). */
export type OffboardingDecision = 'transferred' | 'deleted' | 'kept_inactive';

/** A key as an offboarding card lists it; name and role are kept, so a deleted key still shows. */
export interface OffboardedKey {
  keyId: string;
  keyName: string;
  roleName: string | null;
  lastUsedAt: string | null;
  /** The last client address that used it: what uses it, as far as the app knows. */
  lastUsedIp: string | null;
  decision: OffboardingDecision | null;
  decidedBy: string | null;
  decidedAt: string | null;
  newOwnerId: string | null;
}

/** A person's offboarding: whose, who or what started it, and their keys (docs/offboarding.md). */
export interface Offboarding {
  id: string;
  userId: string;
  actorId: string;
  /** `event` (Slack's user_change), `reconcile` (the daily job), or what the caller said (a workflow step). */
  source: string;
  createdAt: string;
  keys: OffboardedKey[];
}

/** An access-review answer: the owner's, or the campaign's default at its deadline. */
export type ReviewDecision = 'keep' | 'inactivate' | 'delete';

/** An access-review campaign (docs/offboarding.md, "Access reviews"). */
export interface ReviewCampaign {
  id: string;
  createdBy: string;
  createdAt: string;
  /** Only this role's keys; null: every role. */
  roleName: string | null;
  deadlineAt: string;
  /** Halfway to the deadline: owners with open keys are reminded once. */
  remindAt: string;
  defaultDecision: Exclude<ReviewDecision, 'delete'>;
  remindedAt: string | null;
  closedAt: string | null;
}

/** One key in a campaign and its answer; `auditSeq` is the `review.decided` record that covers it. */
export interface ReviewItem {
  campaignId: string;
  keyId: string;
  keyName: string;
  ownerId: string;
  roleName: string | null;
  decision: ReviewDecision | null;
  decidedBy: string | null;
  decidedAt: string | null;
  reason: string | null;
  auditSeq: number | null;
}
