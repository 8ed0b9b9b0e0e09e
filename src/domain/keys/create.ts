import { AppError, isAppError } from '../../errors.js';
import { appendAudit, auditOf } from '../audit.js';
import type { DomainDeps } from '../deps.js';
import type { AccessKey, Role } from '../model.js';
import { queueKeyApiNotice, type ViaKey } from './via.js';
import { assertExpiryAllowed } from '../policy.js';
import { iso, resolveExpiry, type ExpiryChoice } from '../time.js';
import { contextIn, userContext, type UserContext } from '../users.js';
import { limitReached, newKey, requireCreatableRole, slotsIn, validateKeyName, type Slots } from './common.js';
import { confirmDelivery } from './delivery.js';
import { narrowToKey } from './find.js';
import { checkNetworks } from '../networks.js';
import { parsePermissionList } from '../permissions.js';

/** The active role's slots, for the create modal ("1 of 2") and the early refusal (R2). */
export async function slotsFor(deps: DomainDeps, userId: string): Promise<Slots & { ctx: UserContext }> {
  const ctx = await userContext(deps, userId);
  const role = requireCreatableRole(ctx);
  return { ctx, ...(await slotsIn(deps.store.read, userId, role)) };
}

export interface CreateKeyInput {
  actorId: string;
  name: string;
  expiry: ExpiryChoice;
  /** Identifies the request that asked (e.g. the Slack view id): a replay returns the first result. */
  requestId?: string;
  /** Asked through the key API with this key: the new key goes into that key's role, and the owner is told. */
  via?: ViaKey;
  /**
   * The secret is handed over after the commit (Slack): the key authenticates only once
   * `confirmDelivery` records that it arrived, and the undelivered sweep removes it otherwise. Without
   * it the caller returns the secret in its own answer, and the key is delivered as it commits.
   */
  deliverLater?: boolean;
  /**
   * Least privilege (docs/least-privilege.md): the permissions chosen, each one the role's (absent = the
   * role's whole set, as through the Prisma API); networks as canonical CIDRs (absent = anywhere).
   */
  permissions?: string[];
  networks?: string[];
  networkReportOnly?: boolean;
}

export type CreateKeyResult =
  | { created: true; key: AccessKey; role: Role; secret: string }
  | { created: false; key: AccessKey; role: Role };

/**
 * R1 API access, R2 limit per role, R3 tied to the active role, R5 expiry, R6 hash-only storage,
 * R9 audit in the same transaction. The count and the insert run under the write lock, so two
 * concurrent creates for the last slot make exactly one key.
 */
export async function createKey(deps: DomainDeps, input: CreateKeyInput): Promise<CreateKeyResult> {
  // On PostgreSQL a COMMIT's answer can be lost, and then the caller may never get the secret
  // (OUTCOME_UNKNOWN, store.ts). So the key is created undelivered and counted delivered only in a
  // second write, once the first is known to have committed: a key whose secret reached nobody never
  // authenticates, and the undelivered sweep removes it. SQLite's commits cannot be lost.
  const confirmAfter = input.deliverLater !== true && deps.store.dialect === 'postgres';
  const result = await writeKey(deps, confirmAfter ? { ...input, deliverLater: true } : input);
  if (!confirmAfter || !result.created) return result;
  if (!(await confirmKeyDelivered(deps, result.key.id))) throw new Error('a key just created is gone before its delivery was recorded');
  return { ...result, key: { ...result.key, deliveredAt: iso(deps.now()) } };
}

/** `confirmDelivery`, with a failure said truthfully: the key exists, and the sweep will remove it. */
async function confirmKeyDelivered(deps: DomainDeps, keyId: string): Promise<boolean> {
  try {
    return await confirmDelivery(deps, keyId);
  } catch (error) {
    if (isAppError(error, 'OUTCOME_UNKNOWN')) throw error;
    throw new AppError(
      'DB_UNAVAILABLE',
      'The key store was lost before the new key could be handed over, so that key will not work and is removed within a few minutes. Please try again then.',
      { cause: error },
    );
  }
}

async function writeKey(deps: DomainDeps, input: CreateKeyInput): Promise<CreateKeyResult> {
  const name = validateKeyName(input.name);
  const now = deps.now();
  const expiresAt = resolveExpiry(input.expiry, now);
  const permissions = input.permissions === undefined ? null : parsePermissionList(input.permissions);
  if (input.networks !== undefined) checkNetworks(input.networks);
  return deps.store.write(async (tx) => {
    if (input.requestId !== undefined) {
      const earlier = await tx.keys.findByRequestId(input.requestId);
      if (earlier !== undefined) {
        const role = await tx.roles.findById(earlier.roleId);
        if (role !== undefined) return { created: false, key: earlier, role };
      }
    }
    const ctx = narrowToKey(await contextIn(tx, deps, input.actorId), input.via);
    const role = requireCreatableRole(ctx);
    // The role's keys rather than their count: the same one query, and a refusal can say which are rotating out.
    const slots = await slotsIn(tx, input.actorId, role);
    const used = slots.used;
    if (used >= role.maxKeys) throw limitReached(slots);
    assertExpiryAllowed(role, expiresAt, now);
    const foreign = permissions?.find((permission) => !role.permissions.includes(permission));
    if (foreign !== undefined)
      throw new AppError('INVALID_INPUT', `\`${foreign}\` is not a permission of ${role.name} (any more); pick from its current ones.`, {
        details: { field: 'permissions' },
      });
    if ((await tx.keys.findByName(input.actorId, role.id, name)).length > 0) {
      throw new AppError('DUPLICATE_NAME', `You already have a key called "${name}" in ${role.name}. Pick another name.`);
    }
    const { key, secret } = newKey(deps, {
      name,
      ownerId: input.actorId,
      roleId: role.id,
      expiresAt,
      now,
      requestId: input.requestId,
      deliverLater: input.deliverLater,
      permissions,
      networks: input.networks,
      networkReportOnly: input.networkReportOnly,
    });
    await tx.keys.insert(key);
    // Through the key API, the response that carries the secret is its delivery (R6).
    const viaDetails: Record<string, string> = input.via === undefined ? {} : { via: input.via.keyId, delivery: 'api_response' };
    await appendAudit(
      tx,
      auditOf(input.actorId, 'key.created', key, role, {
        slotsUsed: used + 1,
        maxKeys: role.maxKeys,
        ...viaDetails,
        ...(permissions === null ? {} : { permissions: permissions.join(' ') }),
        ...(key.networks.length === 0 ? {} : { networks: key.networks.join(' '), networkReportOnly: key.networkReportOnly }),
      }),
      now,
    );
    if (input.via !== undefined) await queueKeyApiNotice(tx, 'key_created', key, role, input.via, input.actorId, now);
    return { created: true, key, role, secret };
  });
}
