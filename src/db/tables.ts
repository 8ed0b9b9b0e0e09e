/** Row types as stored. Timestamps are ISO-8601 UTC strings; booleans are 0/1 (portable to SQLite). */
export interface RolesTable {
  id: string;
  name: string;
  name_lower: string;
  max_keys: number;
  builtin: number;
  created_at: string;
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
}

/** Integration API throttle counters (migration 2026-12-01T05-00). */
export interface AuthThrottleTable {
  scope: string;
  subject: string;
  window_index: number;
  count: number;
  expires_ms: number;
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
  auth_throttle: AuthThrottleTable;
}
