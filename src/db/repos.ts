import { createQueryId, sql, type CompiledQuery, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { AccessKey, AccessRequest, AccessRequestStatus, AuditAction, AuditHead, AuditRecord, Role, RolePolicy, StoredKeyStatus, User } from '../domain/model.js';
import type { Notification } from '../domain/notifications.js';
import type { AuditSearch, Repos } from '../domain/ports.js';
import { insertNotification } from './notification-insert.js';
import { isPriorityAudit } from '../domain/audit-outbox.js';
import type { AccessKeysTable, AccessRequestsTable, AuditLogTable, Database, RolesTable, UsersTable } from './tables.js';

type Db = Kysely<Database> | Transaction<Database>;

type PolicyColumns = 'policy_max_days' | 'policy_expiry_required';
/** The verify hot path selects a role without its policy (it needs none): then `policy` stays unset. */
const toRole = (row: Omit<Selectable<RolesTable>, PolicyColumns> & Partial<Pick<Selectable<RolesTable>, PolicyColumns>>): Role => ({
  id: row.id,
  name: row.name,
  maxKeys: Number(row.max_keys),
  builtin: Number(row.builtin) === 1,
  createdAt: row.created_at,
  ...(row.policy_expiry_required === undefined
    ? {}
    : { policy: { maxDays: row.policy_max_days === null || row.policy_max_days === undefined ? null : Number(row.policy_max_days), expiryRequired: Number(row.policy_expiry_required) === 1 } }),
});

const toUser = (row: Selectable<UsersTable>): User => ({
  id: row.id,
  activeRoleId: row.active_role_id,
  apiAccess: Number(row.api_access) === 1,
  createdAt: row.created_at,
});

const toKey = (row: Selectable<AccessKeysTable>): AccessKey => ({
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
});

const toAccessRequest = (row: Selectable<AccessRequestsTable>): AccessRequest => ({
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
});

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

/** A key row with its role's columns (null when the role is missing), as the verify lookup returns it. */
type KeyAndRoleRow = Selectable<AccessKeysTable> & {
  role_ref: string | null;
  role_name: string | null;
  role_name_lower: string | null;
  role_max_keys: number | null;
  role_builtin: number | null;
  role_created_at: string | null;
};

/** The repositories over one Kysely handle: the pool, or a transaction. */
export class KyselyRepos implements Repos {
  #keyAndRoleByHash: CompiledQuery<KeyAndRoleRow> | undefined;

  constructor(private readonly db: Db) {}

  async findUser(id: string): Promise<User | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toUser(row);
  }

  async insertUser(user: User): Promise<void> {
    await this.db
      .insertInto('users')
      .values({ id: user.id, active_role_id: user.activeRoleId, api_access: user.apiAccess ? 1 : 0, created_at: user.createdAt })
      .execute();
  }

  async updateUser(id: string, patch: Partial<Pick<User, 'activeRoleId' | 'apiAccess'>>): Promise<void> {
    const values: { active_role_id?: string | null; api_access?: number } = {};
    if (patch.activeRoleId !== undefined) values.active_role_id = patch.activeRoleId;
    if (patch.apiAccess !== undefined) values.api_access = patch.apiAccess ? 1 : 0;
    if (Object.keys(values).length === 0) return;
    await this.db.updateTable('users').set(values).where('id', '=', id).execute();
  }

  async findRoleById(id: string): Promise<Role | undefined> {
    const row = await this.db.selectFrom('roles').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRole(row);
  }

  async findRoleByName(name: string): Promise<Role | undefined> {
    const row = await this.db.selectFrom('roles').selectAll().where('name_lower', '=', name.toLowerCase()).executeTakeFirst();
    return row && toRole(row);
  }

  async listRoles(): Promise<Role[]> {
    return (await this.db.selectFrom('roles').selectAll().orderBy('name_lower').execute()).map(toRole);
  }

  async insertRoleIfAbsent(role: Role): Promise<boolean> {
    const result = await this.db
      .insertInto('roles')
      .values({
        id: role.id,
        name: role.name,
        name_lower: role.name.toLowerCase(),
        max_keys: role.maxKeys,
        builtin: role.builtin ? 1 : 0,
        created_at: role.createdAt,
        policy_max_days: role.policy?.maxDays ?? null,
        policy_expiry_required: role.policy?.expiryRequired === true ? 1 : 0,
      })
      .onConflict((oc) => oc.column('name_lower').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async deleteRole(id: string): Promise<void> {
    await this.db.deleteFrom('roles').where('id', '=', id).execute();
  }

  async listRolesOfUser(userId: string): Promise<Role[]> {
    const rows = await this.db
      .selectFrom('user_roles')
      .innerJoin('roles', 'roles.id', 'user_roles.role_id')
      .selectAll('roles')
      .where('user_roles.user_id', '=', userId)
      .orderBy('roles.name_lower')
      .execute();
    return rows.map(toRole);
  }

  async hasRole(userId: string, roleId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('user_roles')
      .select('role_id')
      .where('user_id', '=', userId)
      .where('role_id', '=', roleId)
      .executeTakeFirst();
    return row !== undefined;
  }

  async addUserRole(userId: string, roleId: string, assignedBy: string, at: string): Promise<void> {
    await this.db
      .insertInto('user_roles')
      .values({ user_id: userId, role_id: roleId, assigned_by: assignedBy, assigned_at: at })
      .onConflict((oc) => oc.columns(['user_id', 'role_id']).doNothing())
      .execute();
  }

  async removeUserRole(userId: string, roleId: string): Promise<void> {
    await this.db.deleteFrom('user_roles').where('user_id', '=', userId).where('role_id', '=', roleId).execute();
  }

  async listRoleMemberIds(roleId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('user_roles').select('user_id').where('role_id', '=', roleId).orderBy('user_id').execute();
    return rows.map((r) => r.user_id);
  }

  async insertAccessRequest(request: AccessRequest): Promise<void> {
    await this.db
      .insertInto('access_requests')
      .values({
        id: request.id,
        user_id: request.userId,
        reason: request.reason,
        status: request.status,
        created_at: request.createdAt,
        expires_at: request.expiresAt,
        decided_at: request.decidedAt,
        decided_by: request.decidedBy,
        decision_reason: request.decisionReason,
        card_channel: request.cardChannel,
        card_ts: request.cardTs,
      })
      .execute();
  }

  async findAccessRequest(id: string): Promise<AccessRequest | undefined> {
    const row = await this.db.selectFrom('access_requests').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toAccessRequest(row);
  }

  async findPendingAccessRequest(userId: string): Promise<AccessRequest | undefined> {
    const row = await this.db.selectFrom('access_requests').selectAll().where('user_id', '=', userId).where('status', '=', 'pending').orderBy('created_at', 'desc').executeTakeFirst();
    return row && toAccessRequest(row);
  }

  async updateAccessRequest(id: string, patch: Partial<Pick<AccessRequest, 'status' | 'decidedAt' | 'decidedBy' | 'decisionReason' | 'cardChannel' | 'cardTs'>>): Promise<void> {
    const values: Partial<Omit<AccessRequestsTable, 'id'>> = {};
    if (patch.status !== undefined) values.status = patch.status;
    if (patch.decidedAt !== undefined) values.decided_at = patch.decidedAt;
    if (patch.decidedBy !== undefined) values.decided_by = patch.decidedBy;
    if (patch.decisionReason !== undefined) values.decision_reason = patch.decisionReason;
    if (patch.cardChannel !== undefined) values.card_channel = patch.cardChannel;
    if (patch.cardTs !== undefined) values.card_ts = patch.cardTs;
    if (Object.keys(values).length === 0) return;
    await this.db.updateTable('access_requests').set(values).where('id', '=', id).execute();
  }

  async listPendingAccessRequestsExpiredBy(nowIso: string, limit: number): Promise<AccessRequest[]> {
    const rows = await this.db.selectFrom('access_requests').selectAll().where('status', '=', 'pending').where('expires_at', '<=', nowIso).orderBy('expires_at').limit(limit).execute();
    return rows.map(toAccessRequest);
  }

  async countKeys(ownerId: string, roleId: string): Promise<number> {
    const row = await this.db
      .selectFrom('access_keys')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('owner_id', '=', ownerId)
      .where('role_id', '=', roleId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async insertKey(key: AccessKey): Promise<void> {
    await this.db
      .insertInto('access_keys')
      .values({
        id: key.id,
        name: key.name,
        name_lower: key.name.toLowerCase(),
        owner_id: key.ownerId,
        role_id: key.roleId,
        key_hash: key.keyHash,
        hash_version: key.hashVersion,
        secret_start: key.secretStart,
        status: key.status,
        expires_at: key.expiresAt,
        created_at: key.createdAt,
        created_by: key.createdBy,
        last_used_at: key.lastUsedAt,
        last_used_ip: key.lastUsedIp,
        request_id: key.requestId,
        rotated_to: key.rotatedTo,
        delivered_at: key.deliveredAt,
      })
      .execute();
  }

  async findKeyById(id: string): Promise<AccessKey | undefined> {
    const row = await this.db.selectFrom('access_keys').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toKey(row);
  }

  async findKeyByHash(keyHash: string): Promise<AccessKey | undefined> {
    const row = await this.db.selectFrom('access_keys').selectAll().where('key_hash', '=', keyHash).executeTakeFirst();
    return row && toKey(row);
  }

  async findKeyByRequestId(requestId: string): Promise<AccessKey | undefined> {
    const row = await this.db.selectFrom('access_keys').selectAll().where('request_id', '=', requestId).executeTakeFirst();
    return row && toKey(row);
  }

  async findKeysByName(ownerId: string, roleId: string | null, name: string): Promise<AccessKey[]> {
    let query = this.db.selectFrom('access_keys').selectAll().where('owner_id', '=', ownerId).where('name_lower', '=', name.toLowerCase());
    if (roleId !== null) query = query.where('role_id', '=', roleId);
    return (await query.orderBy('created_at').execute()).map(toKey);
  }

  async listKeys(filter: { ownerId?: string; roleId?: string; limit?: number; offset?: number }): Promise<AccessKey[]> {
    let query = this.db.selectFrom('access_keys').selectAll();
    if (filter.ownerId !== undefined) query = query.where('owner_id', '=', filter.ownerId);
    if (filter.roleId !== undefined) query = query.where('role_id', '=', filter.roleId);
    query = query.orderBy('created_at').orderBy('id');
    if (filter.limit !== undefined) query = query.limit(filter.limit).offset(filter.offset ?? 0);
    return (await query.execute()).map(toKey);
  }

  async countAllKeys(filter: { ownerId?: string }): Promise<number> {
    let query = this.db.selectFrom('access_keys').select((eb) => eb.fn.countAll().as('n'));
    if (filter.ownerId !== undefined) query = query.where('owner_id', '=', filter.ownerId);
    return Number((await query.executeTakeFirstOrThrow()).n);
  }

  async updateKey(id: string, patch: Partial<Pick<AccessKey, 'status' | 'expiresAt' | 'lastUsedAt' | 'lastUsedIp' | 'rotatedTo' | 'deliveredAt'>>): Promise<void> {
    const values: Partial<Pick<AccessKeysTable, 'status' | 'expires_at' | 'last_used_at' | 'last_used_ip' | 'rotated_to' | 'delivered_at'>> = {};
    if (patch.deliveredAt !== undefined) values.delivered_at = patch.deliveredAt;
    if (patch.rotatedTo !== undefined) values.rotated_to = patch.rotatedTo;
    if (patch.status !== undefined) values.status = patch.status;
    if (patch.expiresAt !== undefined) values.expires_at = patch.expiresAt;
    if (patch.lastUsedAt !== undefined) values.last_used_at = patch.lastUsedAt;
    if (patch.lastUsedIp !== undefined) values.last_used_ip = patch.lastUsedIp;
    if (Object.keys(values).length === 0) return;
    await this.db.updateTable('access_keys').set(values).where('id', '=', id).execute();
  }

  async touchKeyLastUsed(id: string, at: string, clientAddress: string | null): Promise<'first' | 'moved' | 'unchanged'> {
    // Two guarded updates instead of read-then-write: each is atomic per row on both dialects, so two
    // replicas flushing the same key cannot both see "never used", and an older time never wins.
    const first = await this.db
      .updateTable('access_keys')
      .set({ last_used_at: at, last_used_ip: clientAddress })
      .where('id', '=', id)
      .where('last_used_at', 'is', null)
      .executeTakeFirst();
    if (Number(first.numUpdatedRows) > 0) return 'first';
    const moved = await this.db
      .updateTable('access_keys')
      .set({ last_used_at: at, last_used_ip: clientAddress })
      .where('id', '=', id)
      .where('last_used_at', '<', at)
      .executeTakeFirst();
    return Number(moved.numUpdatedRows) > 0 ? 'moved' : 'unchanged';
  }

  async touchUsedKeysLastUsed(uses: ReadonlyArray<{ keyId: string; at: string; clientAddress: string | null }>): Promise<number> {
    if (uses.length === 0) return 0;
    // UPDATE … FROM (VALUES …) works on both dialects (SQLite ≥ 3.33), whose VALUES columns are both
    // named column1…n: one statement per batch instead of one per key keeps the write lock short.
    const rows = sql.join(uses.map((use) => sql`(${use.keyId}, ${use.at}, ${use.clientAddress})`));
    const result = await sql`
      update access_keys set last_used_at = v.column2, last_used_ip = v.column3
      from (values ${rows}) as v
      where access_keys.id = v.column1 and access_keys.last_used_at is not null and access_keys.last_used_at < v.column2`.execute(this.db);
    return Number(result.numAffectedRows ?? 0);
  }

  async findKeyAndRoleByHash(keyHash: string): Promise<{ key: AccessKey; role: Role | undefined } | undefined> {
    // Built and compiled once per handle: on this hot path, building the query cost more than running it.
    this.#keyAndRoleByHash ??= this.db
      .selectFrom('access_keys')
      .leftJoin('roles', 'roles.id', 'access_keys.role_id')
      .selectAll('access_keys')
      .select(['roles.id as role_ref', 'roles.name as role_name', 'roles.name_lower as role_name_lower', 'roles.max_keys as role_max_keys', 'roles.builtin as role_builtin', 'roles.created_at as role_created_at'])
      .where('access_keys.key_hash', '=', '')
      .compile();
    const { rows } = await this.db.executeQuery<KeyAndRoleRow>({ ...this.#keyAndRoleByHash, queryId: createQueryId(), parameters: [keyHash] });
    const row = rows[0];
    if (row === undefined) return undefined;
    const { role_ref, role_name, role_name_lower, role_max_keys, role_builtin, role_created_at, ...key } = row;
    const role =
      role_ref === null || role_name === null || role_name_lower === null || role_max_keys === null || role_builtin === null || role_created_at === null
        ? undefined
        : toRole({ id: role_ref, name: role_name, name_lower: role_name_lower, max_keys: role_max_keys, builtin: role_builtin, created_at: role_created_at });
    return { key: toKey(key), role };
  }

  async countPendingAudit(): Promise<number> {
    const row = await this.db
      .selectFrom('audit_outbox')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('state', '=', 'pending')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async countKeysByStatus(nowIso: string): Promise<{ active: number; inactive: number; expired: number }> {
    // ISO-8601 UTC text sorts chronologically on both dialects; expired is `now ≥ expires_at` (time.ts).
    const expired = sql<boolean>`expires_at is not null and expires_at <= ${nowIso}`;
    const row = await this.db
      .selectFrom('access_keys')
      .select([
        sql<string | number | null>`sum(case when ${expired} then 1 else 0 end)`.as('expired'),
        sql<string | number | null>`sum(case when not (${expired}) and status = 'active' then 1 else 0 end)`.as('active'),
        sql<string | number | null>`sum(case when not (${expired}) and status <> 'active' then 1 else 0 end)`.as('inactive'),
      ])
      .executeTakeFirstOrThrow();
    return { active: Number(row.active ?? 0), inactive: Number(row.inactive ?? 0), expired: Number(row.expired ?? 0) };
  }

  async deleteKey(id: string): Promise<void> {
    await this.db.deleteFrom('access_keys').where('id', '=', id).execute();
  }

  async clearRotationsTo(successorId: string): Promise<void> {
    await this.db.updateTable('access_keys').set({ rotated_to: null }).where('rotated_to', '=', successorId).execute();
  }

  async listUndeliveredKeys(createdBefore: string, limit: number): Promise<AccessKey[]> {
    const rows = await this.db.selectFrom('access_keys').selectAll().where('delivered_at', 'is', null).where('created_at', '<=', createdBefore).orderBy('created_at').limit(limit).execute();
    return rows.map(toKey);
  }

  async findKeyRotatedTo(successorId: string): Promise<AccessKey | undefined> {
    const row = await this.db.selectFrom('access_keys').selectAll().where('rotated_to', '=', successorId).executeTakeFirst();
    return row && toKey(row);
  }

  async claimRequest(id: string, actorId: string, at: string): Promise<boolean> {
    const result = await this.db.insertInto('processed_requests').values({ id, actor_id: actorId, at }).onConflict((oc) => oc.column('id').doNothing()).executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async forgetRequestsBefore(at: string): Promise<number> {
    const result = await this.db.deleteFrom('processed_requests').where('at', '<', at).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async readAuditHead(): Promise<AuditHead> {
    const row = await this.db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirstOrThrow();
    return { seq: Number(row.seq), hash: row.hash };
  }

  async insertAudit(record: AuditRecord): Promise<void> {
    await this.db
      .insertInto('audit_log')
      .values({
        seq: record.seq,
        at: record.at,
        actor_id: record.actorId,
        action: record.action,
        key_id: record.keyId,
        key_name: record.keyName,
        owner_id: record.ownerId,
        role_name: record.roleName,
        expires_at: record.expiresAt,
        details: JSON.stringify(record.details),
        prev_hash: record.prevHash,
        hash: record.hash,
      })
      .execute();
    await this.db
      .insertInto('audit_outbox')
      .values({ seq: record.seq, state: 'pending', attempts: 0, next_attempt_at: record.at, claimed_until: null, last_error: null, message_ts: null, priority: isPriorityAudit(record.action) ? 1 : 0 })
      .execute();
  }

  async writeAuditHead(head: AuditHead): Promise<void> {
    await this.db.updateTable('audit_head').set({ seq: head.seq, hash: head.hash }).where('id', '=', 1).execute();
  }

  async listAuditAscending(afterSeq: number, limit: number): Promise<AuditRecord[]> {
    const rows = await this.db.selectFrom('audit_log').selectAll().where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute();
    return rows.map(toAuditRecord);
  }

  async searchAudit(filter: AuditSearch): Promise<AuditRecord[]> {
    let query = this.db.selectFrom('audit_log').selectAll();
    const userId = filter.userId;
    if (userId !== undefined) query = query.where((eb) => eb.or([eb('actor_id', '=', userId), eb('owner_id', '=', userId)]));
    if (filter.keyId !== undefined) query = query.where('key_id', '=', filter.keyId);
    if (filter.sinceIso !== undefined) query = query.where('at', '>=', filter.sinceIso);
    if (filter.beforeSeq !== undefined) query = query.where('seq', '<', filter.beforeSeq);
    const rows = await query.orderBy('seq', 'desc').limit(filter.limit).execute();
    return rows.map(toAuditRecord);
  }

  async enqueueNotification(notification: Notification, at: string, notBefore?: string): Promise<void> {
    await insertNotification(this.db, notification, at, notBefore);
  }

  async markKeyKept(id: string, at: string): Promise<void> {
    await this.db.updateTable('access_keys').set({ kept_at: at }).where('id', '=', id).execute();
  }

  async setRolePolicy(roleId: string, policy: RolePolicy): Promise<void> {
    await this.db.updateTable('roles').set({ policy_max_days: policy.maxDays, policy_expiry_required: policy.expiryRequired ? 1 : 0 }).where('id', '=', roleId).execute();
  }

  async findAuditRecord(seq: number): Promise<AuditRecord | undefined> {
    const row = await this.db.selectFrom('audit_log').selectAll().where('seq', '=', seq).executeTakeFirst();
    return row && toAuditRecord(row);
  }

  async getSetting(name: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('app_settings').select('value').where('name', '=', name).executeTakeFirst();
    return row?.value;
  }

  async setSetting(name: string, value: string): Promise<void> {
    await this.db
      .insertInto('app_settings')
      .values({ name, value })
      .onConflict((oc) => oc.column('name').doUpdateSet({ value }))
      .execute();
  }
}

/** PostgreSQL: serialise audited writers on the chain head row. SQLite's BEGIN IMMEDIATE already does. */
export async function lockAuditHead(trx: Transaction<Database>): Promise<void> {
  await sql`select seq from audit_head where id = 1 for update`.execute(trx);
}
