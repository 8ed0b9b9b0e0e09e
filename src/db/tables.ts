import type { ColumnType } from 'kysely';

/** A column with a default in its migration: optional when inserting. */
type Defaulted<T> = ColumnType<T, T | undefined, T>;

/** Row types as stored. Timestamps are ISO-8601 UTC strings; booleans are 0/1 (portable to SQLite). */
export interface RolesTable {
  id: string;
  name: string;
  name_lower: string;
  max_keys: number;
  builtin: number;
  created_at: string;
  /** Lifetime policy (migration 2026-12-01T03-00): longest allowed expiry in days, and whether one is required. */
  policy_max_days: number | null;
  policy_expiry_required: number;
  /** Permission strings, a sorted JSON array (migration 2026-12-07T03-00). */
  permissions: Defaulted<string>;
}

export interface UsersTable {
  id: string;
  active_role_id: string | null;
  api_access: number;
  created_at: string;
}

export interface UserRolesTable {
  user_id: string;
  role_id: string;
  assigned_at: string;
  assigned_by: string;
}

export interface AccessKeysTable {
  id: string;
  name: string;
  name_lower: string;
  owner_id: string;
  role_id: string;
  key_hash: string;
  hash_version: number;
  secret_start: string;
  status: string;
  expires_at: string | null;
  created_at: string;
  created_by: string;
  last_used_at: string | null;
  last_used_ip: string | null;
  request_id: string | null;
  rotated_to: string | null;
  delivered_at: string | null;
  /** When the owner last pressed Keep on a stale-key notice: the stale clock restarts there. */
  kept_at?: string | null;
  /** Least privilege (migration 2026-12-07T03-00): JSON arrays; permissions null = the role's whole set. */
  permissions: string | null;
  networks: Defaulted<string>;
  network_report_only: Defaulted<number>;
}

export interface AuditLogTable {
  seq: number;
  at: string;
  actor_id: string;
  action: string;
  key_id: string | null;
  key_name: string | null;
  owner_id: string | null;
  role_name: string | null;
  expires_at: string | null;
  details: string;
  prev_hash: string;
  hash: string;
}

export interface AuditHeadTable {
  id: number;
  seq: number;
  hash: string;
}

export interface AuditOutboxTable {
  seq: number;
  state: string;
  attempts: number;
  next_attempt_at: string;
  claimed_until: string | null;
  last_error: string | null;
  message_ts: string | null;
  posted_at: string | null;
  /** 1 for records the security channel must see before any backlog (a key reported compromised). */
  priority: number;
}

/** Expiry-warning markers and their DM queue (migration 2026-11-27T01-00). */
export interface ExpiryWarningsTable {
  id: string;
  key_id: string;
  threshold: string;
  expires_at: string;
  owner_id: string;
  state: string;
  created_at: string;
  attempts: number;
  next_attempt_at: string;
  claimed_until: string | null;
  last_error: string | null;
  channel_id: string | null;
  message_ts: string | null;
  done_at: string | null;
}

/** One row (id 1): when the audit mirror may next post, shared by every replica. */
export interface AuditMirrorGateTable {
  id: number;
  not_before: string;
  reason: string | null;
}

export interface AppSettingsTable {
  name: string;
  value: string;
}

export interface AccessRequestsTable {
  id: string;
  user_id: string;
  reason: string | null;
  status: string;
  created_at: string;
  expires_at: string;
  decided_at: string | null;
  decided_by: string | null;
  decision_reason: string | null;
  card_channel: string | null;
  card_ts: string | null;
  reminded_at?: string | null;
  /** JSON array of {by, at} (migration 2026-12-07T06-00). */
  approvals?: string | null;
  approvals_required?: number;
}

/** Second-admin confirmations (migration 2026-12-07T06-00). */
export interface DualControlTable {
  subject: string;
  approver_id: string;
  at: string;
}

/** Admins' TOTP enrolments, the secret encrypted (migration 2026-12-07T06-00). */
export interface MfaEnrolmentsTable {
  user_id: string;
  secret_enc: string;
  status: string;
  created_at: string;
  confirmed_at: string | null;
  last_step: number | string | bigint | null;
  failures: number;
  locked_until: string | null;
}

/** The user-facing notification outbox and stale-key markers (migration 2026-12-01T02-00). */
export interface NotificationOutboxTable {
  id: string;
  kind: string;
  payload: string;
  state: string;
  created_at: string;
  attempts: number;
  next_attempt_at: string;
  claimed_until: string | null;
  last_error: string | null;
  done_at: string | null;
}

export interface StaleKeyNoticesTable {
  id: string;
  key_id: string;
  clock_from: string;
  owner_id: string;
  state: string;
  created_at: string;
  done_at: string | null;
}

/** One row per Slack interaction that changed something: a replay finds it and changes nothing. */
export interface ProcessedRequestsTable {
  id: string;
  actor_id: string;
  at: string;
}

/** Integration API throttle counters (migration 2026-12-01T05-00). */
export interface AuthThrottleTable {
  scope: string;
  subject: string;
  window_index: number;
  count: number;
  expires_ms: number;
}

/** A person whose Slack account is deactivated (migration 2026-12-07T02-00): the offboarding's once-marker. */
export interface DeactivatedUsersTable {
  user_id: string;
  deactivated_at: string;
  offboarding_id: string;
}

/** One offboarding: the security channel's card (migration 2026-12-07T02-00). */
export interface OffboardingsTable {
  id: string;
  user_id: string;
  actor_id: string;
  source: string;
  created_at: string;
}

/** A key on an offboarding card and what an admin decided for it (null: not yet). */
export interface OffboardingKeysTable {
  offboarding_id: string;
  key_id: string;
  position: number;
  key_name: string;
  role_name: string | null;
  last_used_at: string | null;
  /** The last client address that used the key: what uses it, as far as the app knows. */
  last_used_ip: string | null;
  decision: string | null;
  decided_by: string | null;
  decided_at: string | null;
  new_owner_id: string | null;
}

/** One scheduled run of the owner reconcile (migration 2026-12-07T02-00-owner-reconcile). */
export interface OwnerReconcileRunsTable {
  id: string;
  started_at: string;
  claimed_until: string;
  cursor: string | null;
  checked: number;
  offboarded: number;
  finished_at: string | null;
}

/** An access-review campaign (migration 2026-12-07T02-00-reviews). */
export interface ReviewCampaignsTable {
  id: string;
  created_by: string;
  created_at: string;
  role_name: string | null;
  deadline_at: string;
  remind_at: string;
  default_decision: string;
  reminded_at: string | null;
  closed_at: string | null;
}

/** A key in a campaign's scope and its owner's answer (null until answered or defaulted). */
export interface ReviewItemsTable {
  campaign_id: string;
  key_id: string;
  key_name: string;
  owner_id: string;
  role_name: string | null;
  decision: string | null;
  decided_by: string | null;
  decided_at: string | null;
  reason: string | null;
  audit_seq: number | null;
}

/** Event streams for SIEMs, each with its own cursor into audit_log (migration 2026-12-07T05-00). */
export interface AuditStreamsTable {
  id: string;
  name: string;
  kind: string;
  url: string;
  format: string;
  action_prefix: string | null;
  state: string;
  secret_enc: string | null;
  tls_ca: string | null;
  cursor_seq: number;
  batch_end_seq: number | null;
  claimed_until: string | null;
  claim_token: string | null;
  failures: number;
  next_attempt_at: string;
  last_error: string | null;
  last_error_at: string | null;
  failing_alerted: number;
  last_delivered_at: string | null;
  created_at: string;
  created_by: string;
}

/** Leak response (migration 2026-12-07T01-00): one row per leaked key, its sightings and its card. */
export interface KeyLeaksTable {
  key_id: string;
  sightings: number;
  first_at: string;
  last_at: string;
  last_source: string;
  last_location: string | null;
  inactivated: number;
  card_channel: string | null;
  card_ts: string | null;
  card_queued: number;
  resolution: string | null;
  resolved_by: string | null;
}

/** Per-key hourly usage counters (migration 2026-12-07T04-00). */
export interface UsageCountsTable {
  key_id: string;
  hour: number;
  dimension: string;
  label: string;
  outcome: string;
  count: number;
}

/** Usage anomaly markers, one per key, kind and day (migration 2026-12-07T04-00). */
export interface UsageAnomaliesTable {
  key_id: string;
  kind: string;
  day: string;
  at: string;
}

export interface Database {
  access_requests: AccessRequestsTable;
  roles: RolesTable;
  users: UsersTable;
  user_roles: UserRolesTable;
  access_keys: AccessKeysTable;
  audit_log: AuditLogTable;
  audit_head: AuditHeadTable;
  audit_outbox: AuditOutboxTable;
  audit_mirror_gate: AuditMirrorGateTable;
  expiry_warnings: ExpiryWarningsTable;
  app_settings: AppSettingsTable;
  processed_requests: ProcessedRequestsTable;
  notification_outbox: NotificationOutboxTable;
  stale_key_notices: StaleKeyNoticesTable;
  auth_throttle: AuthThrottleTable;
  deactivated_users: DeactivatedUsersTable;
  offboardings: OffboardingsTable;
  offboarding_keys: OffboardingKeysTable;
  owner_reconcile_runs: OwnerReconcileRunsTable;
  review_campaigns: ReviewCampaignsTable;
  review_items: ReviewItemsTable;
  audit_streams: AuditStreamsTable;
  key_leaks: KeyLeaksTable;
  dual_control: DualControlTable;
  mfa_enrolments: MfaEnrolmentsTable;
  usage_counts: UsageCountsTable;
  usage_anomalies: UsageAnomaliesTable;
}
