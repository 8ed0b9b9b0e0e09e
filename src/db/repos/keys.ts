import { sql, type Selectable } from 'kysely';
import type { AccessKey, Role } from '../../domain/model.js';
import type { AccessKeysTable } from '../tables.js';
import { compiledOnce } from './compiled.js';
import type { Db } from './db.js';
import { toKey, toRole } from './rows.js';

/** `access_keys`. */

/** A key row with its role's columns (null when the role is missing), as the verify lookup returns it. */
type KeyAndRoleRow = Selectable<AccessKeysTable> & {
  role_ref: string | null;
  role_name: string | null;
  role_name_lower: string | null;
  role_max_keys: number | null;
  role_builtin: number | null;
  role_created_at: string | null;
  role_permissions: string | null;
};

const keyAndRoleByHash = compiledOnce('keys.findWithRoleByHash', (db, keyHash: string) =>
  db
    .selectFrom('access_keys')
    .leftJoin('roles', 'roles.id', 'access_keys.role_id')
    .selectAll('access_keys')
    .select([
      'roles.id as role_ref',
      'roles.name as role_name',
      'roles.name_lower as role_name_lower',
      'roles.max_keys as role_max_keys',
      'roles.builtin as role_builtin',
      'roles.created_at as role_created_at',
      'roles.permissions as role_permissions',
    ])
    .where('access_keys.key_hash', '=', keyHash),
);

/** A user's keys in one role, oldest first: the list behind `/accesskey list` and App Home. */
const keysOfOwnerInRole = compiledOnce('keys.list', (db, ownerId: string, roleId: string) =>
  db
    .selectFrom('access_keys')
    .selectAll()
    .where('owner_id', '=', ownerId)
    .where('role_id', '=', roleId)
    .orderBy('created_at')
    .orderBy('id'),
);

export async function count(db: Db, ownerId: string, roleId: string): Promise<number> {
  const row = await db
    .selectFrom('access_keys')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('owner_id', '=', ownerId)
    .where('role_id', '=', roleId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function insert(db: Db, key: AccessKey): Promise<void> {
  await db
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
      permissions: key.permissions === null ? null : JSON.stringify(key.permissions),
      networks: JSON.stringify(key.networks),
      network_report_only: key.networkReportOnly ? 1 : 0,
    })
    .execute();
}

export async function findById(db: Db, id: string): Promise<AccessKey | undefined> {
  const row = await db.selectFrom('access_keys').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toKey(row);
}

export async function findByRequestId(db: Db, requestId: string): Promise<AccessKey | undefined> {
  const row = await db.selectFrom('access_keys').selectAll().where('request_id', '=', requestId).executeTakeFirst();
  return row && toKey(row);
}

export async function findByName(db: Db, ownerId: string, roleId: string | null, name: string): Promise<AccessKey[]> {
  let query = db.selectFrom('access_keys').selectAll().where('owner_id', '=', ownerId).where('name_lower', '=', name.toLowerCase());
  if (roleId !== null) query = query.where('role_id', '=', roleId);
  return (await query.orderBy('created_at').execute()).map(toKey);
}

export async function list(db: Db, filter: { ownerId?: string; roleId?: string; limit?: number; offset?: number }): Promise<AccessKey[]> {
  // The common case, nearly every Slack command: one user's keys in one role, all of them.
  if (filter.ownerId !== undefined && filter.roleId !== undefined && filter.limit === undefined)
    return (await db.executeQuery(keysOfOwnerInRole(db, filter.ownerId, filter.roleId))).rows.map(toKey);
  let query = db.selectFrom('access_keys').selectAll();
  if (filter.ownerId !== undefined) query = query.where('owner_id', '=', filter.ownerId);
  if (filter.roleId !== undefined) query = query.where('role_id', '=', filter.roleId);
  query = query.orderBy('created_at').orderBy('id');
  if (filter.limit !== undefined) query = query.limit(filter.limit).offset(filter.offset ?? 0);
  return (await query.execute()).map(toKey);
}

export async function countAll(db: Db, filter: { ownerId?: string }): Promise<number> {
  let query = db.selectFrom('access_keys').select((eb) => eb.fn.countAll().as('n'));
  if (filter.ownerId !== undefined) query = query.where('owner_id', '=', filter.ownerId);
  return Number((await query.executeTakeFirstOrThrow()).n);
}

export async function update(
  db: Db,
  id: string,
  patch: Partial<Pick<AccessKey, 'status' | 'expiresAt' | 'lastUsedAt' | 'lastUsedIp' | 'rotatedTo' | 'deliveredAt'>>,
): Promise<void> {
  const values: Partial<Pick<AccessKeysTable, 'status' | 'expires_at' | 'last_used_at' | 'last_used_ip' | 'rotated_to' | 'delivered_at'>> =
    {};
  if (patch.deliveredAt !== undefined) values.delivered_at = patch.deliveredAt;
  if (patch.rotatedTo !== undefined) values.rotated_to = patch.rotatedTo;
  if (patch.status !== undefined) values.status = patch.status;
  if (patch.expiresAt !== undefined) values.expires_at = patch.expiresAt;
  if (patch.lastUsedAt !== undefined) values.last_used_at = patch.lastUsedAt;
  if (patch.lastUsedIp !== undefined) values.last_used_ip = patch.lastUsedIp;
  if (Object.keys(values).length === 0) return;
  await db.updateTable('access_keys').set(values).where('id', '=', id).execute();
}

export async function touchLastUsed(
  db: Db,
  id: string,
  at: string,
  clientAddress: string | null,
): Promise<'first' | 'moved' | 'unchanged'> {
  // Two guarded updates instead of read-then-write: each is atomic per row on both dialects, so two
  // replicas flushing the same key cannot both see "never used", and an older time never wins.
  const first = await db
    .updateTable('access_keys')
    .set({ last_used_at: at, last_used_ip: clientAddress })
    .where('id', '=', id)
    .where('last_used_at', 'is', null)
    .executeTakeFirst();
  if (Number(first.numUpdatedRows) > 0) return 'first';
  const moved = await db
    .updateTable('access_keys')
    .set({ last_used_at: at, last_used_ip: clientAddress })
    .where('id', '=', id)
    .where('last_used_at', '<', at)
    .executeTakeFirst();
  return Number(moved.numUpdatedRows) > 0 ? 'moved' : 'unchanged';
}

export async function touchUsedLastUsed(
  db: Db,
  uses: ReadonlyArray<{ keyId: string; at: string; clientAddress: string | null }>,
): Promise<number> {
  if (uses.length === 0) return 0;
  // UPDATE … FROM (VALUES …) works on both dialects (SQLite ≥ 3.33), whose VALUES columns are both
  // named column1…n: one statement per batch instead of one per key keeps the write lock short.
  const rows = sql.join(uses.map((use) => sql`(${use.keyId}, ${use.at}, ${use.clientAddress})`));
  const result = await sql`
    update access_keys set last_used_at = v.column2, last_used_ip = v.column3
    from (values ${rows}) as v
    where access_keys.id = v.column1 and access_keys.last_used_at is not null and access_keys.last_used_at < v.column2`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/** The verify hot path: the key with its role in one indexed lookup (no second query for the role). */
export async function findWithRoleByHash(db: Db, keyHash: string): Promise<{ key: AccessKey; role: Role | undefined } | undefined> {
  const { rows } = await db.executeQuery<KeyAndRoleRow>(keyAndRoleByHash(db, keyHash));
  const row = rows[0];
  if (row === undefined) return undefined;
  const { role_ref, role_name, role_name_lower, role_max_keys, role_builtin, role_created_at, role_permissions, ...key } = row;
  const role =
    role_ref === null ||
    role_name === null ||
    role_name_lower === null ||
    role_max_keys === null ||
    role_builtin === null ||
    role_created_at === null
      ? undefined
      : toRole({
          id: role_ref,
          name: role_name,
          name_lower: role_name_lower,
          max_keys: role_max_keys,
          builtin: role_builtin,
          created_at: role_created_at,
          permissions: role_permissions ?? '[]',
        });
  return { key: toKey(key), role };
}

export async function countByStatus(db: Db, nowIso: string): Promise<{ active: number; inactive: number; expired: number }> {
  // ISO-8601 UTC text sorts chronologically on both dialects; expired is `now ≥ expires_at` (time.ts).
  const expired = sql<boolean>`expires_at is not null and expires_at <= ${nowIso}`;
  const row = await db
    .selectFrom('access_keys')
    .select([
      sql<string | number | null>`sum(case when ${expired} then 1 else 0 end)`.as('expired'),
      sql<string | number | null>`sum(case when not (${expired}) and status = 'active' then 1 else 0 end)`.as('active'),
      sql<string | number | null>`sum(case when not (${expired}) and status <> 'active' then 1 else 0 end)`.as('inactive'),
    ])
    .executeTakeFirstOrThrow();
  return { active: Number(row.active ?? 0), inactive: Number(row.inactive ?? 0), expired: Number(row.expired ?? 0) };
}

export async function remove(db: Db, id: string): Promise<void> {
  await db.deleteFrom('access_keys').where('id', '=', id).execute();
}

export async function clearRotationsTo(db: Db, successorId: string): Promise<void> {
  await db.updateTable('access_keys').set({ rotated_to: null }).where('rotated_to', '=', successorId).execute();
}

export async function listUndelivered(db: Db, createdBefore: string, limit: number): Promise<AccessKey[]> {
  const rows = await db
    .selectFrom('access_keys')
    .selectAll()
    .where('delivered_at', 'is', null)
    .where('created_at', '<=', createdBefore)
    .orderBy('created_at')
    .limit(limit)
    .execute();
  return rows.map(toKey);
}

export async function findRotatedTo(db: Db, successorId: string): Promise<AccessKey | undefined> {
  const row = await db.selectFrom('access_keys').selectAll().where('rotated_to', '=', successorId).executeTakeFirst();
  return row && toKey(row);
}

/** A key's network ranges and report-only switch (`/accesskey networks`). */
export async function setNetworks(db: Db, id: string, networks: readonly string[], reportOnly: boolean): Promise<void> {
  await db
    .updateTable('access_keys')
    .set({ networks: JSON.stringify(networks), network_report_only: reportOnly ? 1 : 0 })
    .where('id', '=', id)
    .execute();
}

export async function markKept(db: Db, id: string, at: string): Promise<void> {
  await db.updateTable('access_keys').set({ kept_at: at }).where('id', '=', id).execute();
}

export async function setOwner(db: Db, id: string, ownerId: string): Promise<void> {
  await db.updateTable('access_keys').set({ owner_id: ownerId }).where('id', '=', id).execute();
}

/** Which of these hashes belong to a key, in one indexed query (the leak intake sorts a batch this way). */
export async function findExistingHashes(db: Db, hashes: readonly string[]): Promise<string[]> {
  if (hashes.length === 0) return [];
  const rows = await db
    .selectFrom('access_keys')
    .select('key_hash')
    .where('key_hash', 'in', [...hashes])
    .execute();
  return rows.map((row) => row.key_hash);
}

/**
 * Rotated-out keys still active whose grace period ends in (`after`, `until`], soonest first (the
 * rotation grace check, docs/usage-analytics.md). Uses the partial index on `rotated_to`.
 */
export async function listGraceEnding(db: Db, after: string, until: string, limit: number): Promise<AccessKey[]> {
  const rows = await db
    .selectFrom('access_keys')
    .selectAll()
    .where('rotated_to', 'is not', null)
    .where('status', '=', 'active')
    .where('expires_at', '>', after)
    .where('expires_at', '<=', until)
    .orderBy('expires_at')
    .limit(limit)
    .execute();
  return rows.map(toKey);
}
