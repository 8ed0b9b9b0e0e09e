import type { Selectable } from 'kysely';
import type {
  AccessKey,
  AccessRequest,
  AccessRequestStatus,
  RequestApproval,
  AuditAction,
  AuditRecord,
  Role,
  StoredKeyStatus,
  User,
} from '../../domain/model.js';
import type { AccessKeysTable, AccessRequestsTable, AuditLogTable, RolesTable, UsersTable } from '../tables.js';

/**
 * A JSON array of strings as stored (permissions, networks); null stays null. Only this app writes these
 * columns, always through `JSON.stringify` of a string array; anything else reads as empty (deny).
 */
export function parseStrings(text: string | null): string[] | null {
  if (text === null) return null;
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
  } catch {
    return [];
  }
}

/** Row → domain object, one per table; shared by the table modules that read each other's rows (joins). */

type PolicyColumns = 'policy_max_days' | 'policy_expiry_required';
/** The verify hot path selects a role without its policy (it needs none): then `policy` stays unset. */
export const toRole = (row: Omit<Selectable<RolesTable>, PolicyColumns> & Partial<Pick<Selectable<RolesTable>, PolicyColumns>>): Role => ({
  id: row.id,
  name: row.name,
  maxKeys: Number(row.max_keys),
  builtin: Number(row.builtin) === 1,
  createdAt: row.created_at,
  permissions: parseStrings(row.permissions) ?? [],
  ...(row.policy_expiry_required === undefined
    ? {}
    : {
        policy: {
          maxDays: row.policy_max_days === null || row.policy_max_days === undefined ? null : Number(row.policy_max_days),
          expiryRequired: Number(row.policy_expiry_required) === 1,
        },
      }),
});

export const toUser = (row: Selectable<UsersTable>): User => ({
  id: row.id,
  activeRoleId: row.active_role_id,
  apiAccess: Number(row.api_access) === 1,
  createdAt: row.created_at,
});

export const toKey = (row: Selectable<AccessKeysTable>): AccessKey => ({
  id: row.id,
  name: row.name,
  ownerId: row.owner_id,
  roleId: row.role_id,
  keyHash: row.key_hash,
  hashVersion: Number(row.hash_version),
  secretStart: row.secret_start,
  status: row.status as StoredKeyStatus,
  expiresAt: row.expires_at,
  createdAt: row.created_at,
  createdBy: row.created_by,
  lastUsedAt: row.last_used_at,
  lastUsedIp: row.last_used_ip,
  requestId: row.request_id,
  rotatedTo: row.rotated_to,
  deliveredAt: row.delivered_at,
  permissions: parseStrings(row.permissions),
  networks: parseStrings(row.networks) ?? [],
  networkReportOnly: Number(row.network_report_only) === 1,
});

export const toAccessRequest = (row: Selectable<AccessRequestsTable>): AccessRequest => ({
  id: row.id,
  userId: row.user_id,
  reason: row.reason,
  status: row.status as AccessRequestStatus,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  decidedAt: row.decided_at,
  decidedBy: row.decided_by,
  decisionReason: row.decision_reason,
  cardChannel: row.card_channel,
  cardTs: row.card_ts,
  approvals: parseApprovals(row.approvals ?? null),
  approvalsRequired: Number(row.approvals_required ?? 1),
});

/** The `approvals` column: a JSON array of {by, at}; anything else (a hand edit) reads as none. */
function parseApprovals(text: string | null): RequestApproval[] {
  if (text === null) return [];
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed)) return [];
  return parsed.flatMap((entry: unknown) => {
    if (typeof entry !== 'object' || entry === null) return [];
    const { by, at } = entry as { by?: unknown; at?: unknown };
    return typeof by === 'string' && typeof at === 'string' ? [{ by, at }] : [];
  });
}

export const toAuditRecord = (row: Selectable<AuditLogTable>): AuditRecord => ({
  seq: Number(row.seq),
  at: row.at,
  actorId: row.actor_id,
  action: row.action as AuditAction,
  keyId: row.key_id,
  keyName: row.key_name,
  ownerId: row.owner_id,
  roleName: row.role_name,
  expiresAt: row.expires_at,
  details: JSON.parse(row.details) as AuditRecord['details'],
  prevHash: row.prev_hash,
  hash: row.hash,
});
