import { AppError } from '../errors.js';
import { approveOpenRequestsIn } from './request-outcomes.js';
import { appendAudit, auditOf } from './audit.js';
import type { DomainDeps } from './deps.js';
import type { AccessKey } from './model.js';
import type { Repos } from './ports.js';
import { contextIn, requireAdminIn } from './users.js';

/**
 * R1: an admin enables API access for a user. Keys made inactive by an earlier revoke stay inactive.
 * The user's open requests are decided with it (`requestsClosed`), so no card is left to Deny.
 */
export async function grantApiAccess(
  deps: DomainDeps,
  actorId: string,
  userId: string,
): Promise<{ changed: boolean; requestsClosed: number }> {
  return deps.store.write(async (tx) => {
    await requireAdminIn(tx, deps, actorId);
    const target = await contextIn(tx, deps, userId);
    if (!target.hasApiAccess) {
      await tx.users.update(userId, { apiAccess: true });
      await appendAudit(tx, { actorId, action: 'api_access.granted', ownerId: userId }, deps.now());
    }
    // Also when access was already there: a request left open by an older version still gets closed.
    const closed = await approveOpenRequestsIn(tx, deps, userId, actorId, 'grant');
    return { changed: !target.hasApiAccess, requestsClosed: closed.length };
  });
}

/** R1: revoking API access makes every active key of the user inactive, each change audited. */
export async function revokeApiAccess(
  deps: DomainDeps,
  actorId: string,
  userId: string,
): Promise<{ changed: boolean; deactivated: AccessKey[] }> {
  return deps.store.write(async (tx) => {
    await requireAdminIn(tx, deps, actorId);
    const target = await contextIn(tx, deps, userId);
    if (target.isAdmin) {
      throw new AppError('INVALID_INPUT', 'That user holds System Admin, which always includes API access. Remove that role first.');
    }
    if (!target.user.apiAccess) return { changed: false, deactivated: [] };
    await tx.users.update(userId, { apiAccess: false });
    const now = deps.now();
    await appendAudit(tx, { actorId, action: 'api_access.revoked', ownerId: userId }, now);
    return { changed: true, deactivated: await deactivateKeysOnAccessLoss(tx, actorId, userId, 'api_access_revoked', now) };
  });
}

/**
 * R1: a user without API access has no active key. Whoever loses it (a revoke, or losing System Admin,
 * which implies it) has every active key made inactive, each audited as a revocation.
 */
export async function deactivateKeysOnAccessLoss(
  tx: Repos,
  actorId: string,
  userId: string,
  reason: 'api_access_revoked' | 'api_access_lost',
  now: Date,
): Promise<AccessKey[]> {
  const deactivated: AccessKey[] = [];
  for (const key of await tx.keys.list({ ownerId: userId })) {
    if (key.status !== 'active') continue;
    const updated: AccessKey = { ...key, status: 'inactive' };
    await tx.keys.update(key.id, { status: 'inactive' });
    await appendAudit(tx, auditOf(actorId, 'key.revoked', updated, await tx.roles.findById(key.roleId), { reason }), now);
    deactivated.push(updated);
  }
  return deactivated;
}
