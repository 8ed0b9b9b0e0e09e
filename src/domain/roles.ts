import { AppError } from '../errors.js';
import { deactivateKeysOnAccessLoss } from './access.js';
import { appendAudit } from './audit.js';
import { approveOpenRequestsIn } from './request-outcomes.js';
import type { DomainDeps } from './deps.js';
import { removeKey } from './keys/common.js';
import { firstTime } from './replays.js';
import { agreeIn, otherAdmins } from './dual-control.js';
import { SYSTEM_ADMIN_ROLE, type AccessKey, type Role } from './model.js';
import type { ReadRepos, Repos } from './ports.js';
import { iso } from './time.js';
import { contextIn, newRoleId, requireAdmin, requireAdminIn, roleNamed } from './users.js';
import { ROLE_CHANGE_BUDGET_MS, ROLE_NAME_MAX_CHARS } from './limits.js';
import { containsCredential } from './secrets.js';
import { hasVisibleText } from './visible-text.js';

/** A replay of a confirmation already acted on (a Slack retry, a replayed request): nothing changes. */
const alreadyDone = () => new AppError('INVALID_INPUT', 'That was already done from this button; nothing changed.');

export function validateRoleName(raw: string): string {
  const name = raw.trim();
  if (name.length > 0 && !hasVisibleText(name)) throw new AppError('INVALID_INPUT', 'A role name needs at least one visible character.');
  if (name.length === 0 || [...name].length > ROLE_NAME_MAX_CHARS || /[\p{Cc}\p{Cf}<>&@]/u.test(name)) {
    throw new AppError('INVALID_INPUT', `A role name needs 1–${ROLE_NAME_MAX_CHARS} characters, without control characters or < > & @.`);
  }
  // The audit log refuses secrets outright; refused here, it is a clear answer instead of a fault.
  if (containsCredential(name))
    throw new AppError('INVALID_INPUT', 'That role name looks like a secret key. Never paste secrets into names.');
  return name;
}

/** `admin roles`: System Admin only (the check is here, so every entry point gets it). */
export async function listRoles(deps: DomainDeps, actorId: string): Promise<Array<Role & { members: number }>> {
  await requireAdmin(deps, actorId);
  const roles = await deps.store.read.roles.list();
  return Promise.all(roles.map(async (role) => ({ ...role, members: (await deps.store.read.memberships.memberIds(role.id)).length })));
}

export async function createRole(deps: DomainDeps, actorId: string, rawName: string, maxKeys = 2): Promise<Role> {
  const name = validateRoleName(rawName);
  if (!Number.isInteger(maxKeys) || maxKeys < 1 || maxKeys > 10)
    throw new AppError('INVALID_INPUT', 'max_keys must be a whole number from 1 to 10.');
  return deps.store.write(async (tx) => {
    await requireAdminIn(tx, deps, actorId);
    const role: Role = { id: newRoleId(), name, maxKeys, builtin: false, createdAt: iso(deps.now()), permissions: [] };
    if (!(await tx.roles.insertIfAbsent(role))) throw new AppError('ROLE_EXISTS', `A role called "${name}" already exists.`);
    await appendAudit(tx, { actorId, action: 'role.created', roleName: name, details: { maxKeys } }, deps.now());
    return role;
  });
}

export interface DeletionImpact {
  role: Role;
  /** The keys that will be deleted, with their owners and last use (R4). */
  keys: AccessKey[];
  members: string[];
}

function assertDeletable(deps: DomainDeps, role: Role): void {
  if (role.name === SYSTEM_ADMIN_ROLE) throw new AppError('PROTECTED_ROLE', 'System Admin cannot be deleted.');
  if (role.name.toLowerCase() === deps.defaultRoleName.toLowerCase()) {
    throw new AppError('PROTECTED_ROLE', `${role.name} is the default role every user holds, so it cannot be deleted.`);
  }
}

async function impactIn(tx: ReadRepos, role: Role, onlyUserId?: string): Promise<DeletionImpact> {
  const keys = await tx.keys.list(onlyUserId === undefined ? { roleId: role.id } : { roleId: role.id, ownerId: onlyUserId });
  const members = onlyUserId === undefined ? await tx.memberships.memberIds(role.id) : [onlyUserId];
  return { role, keys, members };
}

export async function previewRoleDeletion(deps: DomainDeps, actorId: string, roleName: string): Promise<DeletionImpact> {
  const repos = deps.store.read;
  await requireAdmin(deps, actorId);
  const role = await roleNamed(repos, roleName);
  assertDeletable(deps, role);
  return impactIn(repos, role);
}

/** Drops a user's membership: their keys in the role go, and their active role falls back (R3, R4). */
async function dropMembership(
  tx: Repos,
  deps: DomainDeps,
  actorId: string,
  userId: string,
  role: Role,
  keys: AccessKey[],
  action: 'key.deleted_by_role_deletion' | 'key.deleted',
): Promise<void> {
  const now = deps.now();
  for (const key of keys.filter((k) => k.ownerId === userId)) {
    await removeKey(tx, actorId, action, key, role, { reason: action === 'key.deleted' ? 'role_removed_from_owner' : 'role_deleted' }, now);
  }
  await tx.memberships.remove(userId, role.id);
  const user = await tx.users.find(userId);
  if (user?.activeRoleId === role.id) {
    const remaining = await tx.memberships.rolesOf(userId);
    const fallback = remaining.find((r) => r.name.toLowerCase() === deps.defaultRoleName.toLowerCase()) ?? remaining[0];
    await tx.users.update(userId, { activeRoleId: fallback?.id ?? null });
  }
}

/**
 * R1: System Admin implies API access. Losing it without an explicit grant is losing API access, so the
 * user's remaining keys go inactive, as a revoke would make them.
 */
async function revokeIfAccessLost(tx: Repos, deps: DomainDeps, actorId: string, userId: string): Promise<void> {
  const target = await contextIn(tx, deps, userId);
  if (target.hasApiAccess) return;
  await deactivateKeysOnAccessLoss(tx, actorId, userId, 'api_access_lost', deps.now());
}

/** R4: every key tied to the role is deleted (each audited), members lose it, then the role goes. */
/** R4: each owner is told, through the notification outbox in the same transaction, which keys went. */
async function queueKeysDeletedDms(
  tx: Repos,
  keys: DeletionImpact['keys'],
  cause: 'role_deleted' | 'role_removed',
  roleName: string,
  at: string,
): Promise<void> {
  const byOwner = new Map<string, Array<{ id: string; name: string }>>();
  for (const key of keys) byOwner.set(key.ownerId, [...(byOwner.get(key.ownerId) ?? []), { id: key.id, name: key.name }]);
  for (const [ownerId, owned] of byOwner)
    await tx.notifications.enqueue({ kind: 'keys_deleted.dm', ownerId, cause, roleName, keys: owned }, at);
}

export async function deleteRole(
  deps: DomainDeps,
  actorId: string,
  roleName: string,
  expectedRoleId?: string,
  once?: string,
): Promise<DeletionImpact> {
  return deps.store.write(
    async (tx) => {
      await requireAdminIn(tx, deps, actorId);
      if (!(await firstTime(tx, deps, actorId, once))) throw alreadyDone();
      const role = await roleNamed(tx, roleName);
      // A preview's button names the role it previewed: a newer role of the same name is not it.
      if (expectedRoleId !== undefined && role.id !== expectedRoleId)
        throw new AppError('ROLE_NOT_FOUND', `The role "${role.name}" changed since the preview. Run the command again.`);
      assertDeletable(deps, role);
      const impact = await impactIn(tx, role);
      const owners = new Set([...impact.members, ...impact.keys.map((k) => k.ownerId)]);
      for (const userId of owners) await dropMembership(tx, deps, actorId, userId, role, impact.keys, 'key.deleted_by_role_deletion');
      await tx.roles.remove(role.id);
      await queueKeysDeletedDms(tx, impact.keys, 'role_deleted', role.name, iso(deps.now()));
      await appendAudit(
        tx,
        {
          actorId,
          action: 'role.deleted',
          roleName: role.name,
          details: { keysDeleted: impact.keys.length, members: impact.members.length },
        },
        deps.now(),
      );
      return impact;
    },
    { budgetMs: ROLE_CHANGE_BUDGET_MS },
  );
}

export async function assignRole(
  deps: DomainDeps,
  actorId: string,
  userId: string,
  roleName: string,
): Promise<{ role: Role; changed: boolean; awaiting?: { approvers: string[]; required: number } }> {
  return deps.store.write(async (tx) => {
    await requireAdminIn(tx, deps, actorId);
    const role = await roleNamed(tx, roleName);
    await contextIn(tx, deps, userId);
    if (await tx.memberships.has(userId, role.id)) return { role, changed: false };
    let approvers: string | undefined;
    if (role.name === SYSTEM_ADMIN_ROLE) {
      // SPEC §17: making an admin takes two admins whenever two or more exist.
      const required = (await otherAdmins(tx, userId)).length >= 2 ? 2 : 1;
      const agreed = await agreeIn(
        tx,
        deps,
        actorId,
        { key: `assign_admin:${userId}`, describe: `System Admin for ${userId}`, ownerId: userId },
        required,
      );
      if (!agreed.go) return { role, changed: false, awaiting: { approvers: agreed.approvers, required: agreed.required } };
      approvers = agreed.approvers.join(',');
    }
    await tx.memberships.add(userId, role.id, actorId, iso(deps.now()));
    await appendAudit(
      tx,
      {
        actorId,
        action: 'role.assigned',
        ownerId: userId,
        roleName: role.name,
        ...(approvers === undefined ? {} : { details: { approvers } }),
      },
      deps.now(),
    );
    // System Admin includes API access (R1): the person's open requests are decided by it.
    if (role.name === SYSTEM_ADMIN_ROLE) await approveOpenRequestsIn(tx, deps, userId, actorId, 'system_admin');
    return { role, changed: true };
  });
}

async function guardRemoval(tx: ReadRepos, deps: DomainDeps, userId: string, role: Role): Promise<void> {
  if (role.name.toLowerCase() === deps.defaultRoleName.toLowerCase()) {
    throw new AppError('PROTECTED_ROLE', `${role.name} is the default role every user holds; it cannot be removed.`);
  }
  if (!(await tx.memberships.has(userId, role.id))) throw new AppError('NOT_ROLE_MEMBER', `That user doesn't hold ${role.name}.`);
  if (role.name === SYSTEM_ADMIN_ROLE && (await tx.memberships.memberIds(role.id)).length <= 1) {
    throw new AppError('LAST_ADMIN', 'That is the last System Admin. Make someone else an admin first.');
  }
}

export async function previewRoleRemoval(deps: DomainDeps, actorId: string, userId: string, roleName: string): Promise<DeletionImpact> {
  const repos = deps.store.read;
  await requireAdmin(deps, actorId);
  const role = await roleNamed(repos, roleName);
  await guardRemoval(repos, deps, userId, role);
  return impactIn(repos, role, userId);
}

/** Removing a role from a user deletes that user's keys for the role (audited), like R4 for one person. */
export async function removeRole(
  deps: DomainDeps,
  actorId: string,
  userId: string,
  roleName: string,
  once?: string,
): Promise<DeletionImpact> {
  return deps.store.write(
    async (tx) => {
      await requireAdminIn(tx, deps, actorId);
      if (!(await firstTime(tx, deps, actorId, once))) throw alreadyDone();
      const role = await roleNamed(tx, roleName);
      await guardRemoval(tx, deps, userId, role);
      const impact = await impactIn(tx, role, userId);
      await dropMembership(tx, deps, actorId, userId, role, impact.keys, 'key.deleted');
      await queueKeysDeletedDms(tx, impact.keys, 'role_removed', role.name, iso(deps.now()));
      if (role.name === SYSTEM_ADMIN_ROLE) await revokeIfAccessLost(tx, deps, actorId, userId);
      await appendAudit(
        tx,
        { actorId, action: 'role.removed', ownerId: userId, roleName: role.name, details: { keysDeleted: impact.keys.length } },
        deps.now(),
      );
      return impact;
    },
    { budgetMs: ROLE_CHANGE_BUDGET_MS },
  );
}
