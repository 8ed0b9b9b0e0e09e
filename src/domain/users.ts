import { AppError } from '../errors.js';
import { appendAudit } from './audit.js';
import { approveOpenRequestsIn } from './request-outcomes.js';
import type { DomainDeps } from './deps.js';
import { BUILTIN_ROLES, SYSTEM_ADMIN_ROLE, SYSTEM_ACTOR, type Role, type User } from './model.js';
import type { ReadRepos, Repos } from './ports.js';
import { randomBase62 } from './secrets.js';
import { iso } from './time.js';

/** Everything a surface needs to know about who is asking. */
export interface UserContext {
  user: User;
  roles: Role[];
  activeRole: Role | null;
  isAdmin: boolean;
  hasApiAccess: boolean;
}

export const newRoleId = (): string => `rol_${randomBase62(16)}`;

/** The built-in roles and the configured default role exist (idempotent; safe with several replicas). */
export async function ensureBaselineRoles(deps: DomainDeps): Promise<void> {
  const at = iso(deps.now());
  const wanted = [...BUILTIN_ROLES];
  if (!wanted.some((r) => r.name.toLowerCase() === deps.defaultRoleName.toLowerCase())) {
    wanted.push({ name: deps.defaultRoleName, maxKeys: 2 });
  }
  await deps.store.write(async (tx) => {
    for (const role of wanted) {
      await tx.roles.insertIfAbsent({
        id: newRoleId(),
        name: role.name,
        maxKeys: role.maxKeys,
        builtin: true,
        createdAt: at,
        permissions: [],
      });
    }
  });
}

export async function roleNamed(tx: Pick<ReadRepos, 'roles'>, name: string): Promise<Role> {
  const role = await tx.roles.findByName(name.trim());
  if (role === undefined) throw new AppError('ROLE_NOT_FOUND', `There is no role called "${name.trim()}". See \`/accesskey admin roles\`.`);
  return role;
}

/** First contact creates the user holding the default role, active (R3). */
export async function ensureUserIn(tx: Repos, deps: DomainDeps, userId: string): Promise<User> {
  const existing = await tx.users.find(userId);
  if (existing !== undefined) return existing;
  const defaultRole = await roleNamed(tx, deps.defaultRoleName);
  const at = iso(deps.now());
  const user: User = { id: userId, activeRoleId: defaultRole.id, apiAccess: false, createdAt: at };
  await tx.users.insert(user);
  await tx.memberships.add(userId, defaultRole.id, SYSTEM_ACTOR, at);
  return user;
}

/** Inside a write: the user's context, creating the user on first contact. */
export async function contextIn(tx: Repos, deps: DomainDeps, userId: string): Promise<UserContext> {
  return contextOf(tx, await ensureUserIn(tx, deps, userId));
}

async function contextOf(repos: Pick<ReadRepos, 'memberships'>, user: User): Promise<UserContext> {
  const roles = await repos.memberships.rolesOf(user.id);
  const activeRole = roles.find((r) => r.id === user.activeRoleId) ?? null;
  const isAdmin = roles.some((r) => r.name === SYSTEM_ADMIN_ROLE);
  return { user, roles, activeRole, isAdmin, hasApiAccess: isAdmin || user.apiAccess };
}

/** Reads a user's context, creating the user on first contact. */
export async function userContext(deps: DomainDeps, userId: string): Promise<UserContext> {
  const user = await deps.store.read.users.find(userId);
  if (user === undefined) return deps.store.write((tx) => contextIn(tx, deps, userId));
  return contextOf(deps.store.read, user);
}

/** Admin check for reads: a first-contact actor is created in a transaction, like any other. */
export async function requireAdmin(deps: DomainDeps, actorId: string): Promise<UserContext> {
  const ctx = await userContext(deps, actorId);
  if (!ctx.isAdmin) throw new AppError('NOT_ADMIN', 'Only admins (holders of the System Admin role) can do that.');
  return ctx;
}

export async function requireAdminIn(tx: Repos, deps: DomainDeps, actorId: string): Promise<UserContext> {
  const ctx = await contextIn(tx, deps, actorId);
  if (!ctx.isAdmin) throw new AppError('NOT_ADMIN', 'Only admins (holders of the System Admin role) can do that.');
  return ctx;
}

/** `/accesskey role <name>`: switch the role keys are created in and listed for (R3). */
export async function switchActiveRole(deps: DomainDeps, userId: string, roleName: string): Promise<Role> {
  return deps.store.write(async (tx) => {
    const ctx = await contextIn(tx, deps, userId);
    const role = ctx.roles.find((r) => r.name.toLowerCase() === roleName.trim().toLowerCase());
    if (role === undefined) {
      throw new AppError(
        'NOT_ROLE_MEMBER',
        `You don't hold a role called "${roleName.trim()}". Your roles: ${ctx.roles.map((r) => r.name).join(', ')}.`,
      );
    }
    if (role.id !== ctx.user.activeRoleId) {
      await tx.users.update(userId, { activeRoleId: role.id });
      await appendAudit(tx, { actorId: userId, action: 'role.switched', ownerId: userId, roleName: role.name }, deps.now());
    }
    return role;
  });
}

/** BOOTSTRAP_ADMINS hold System Admin after start-up: idempotent, audited once per user. */
export async function bootstrapAdmins(deps: DomainDeps, userIds: readonly string[]): Promise<string[]> {
  if (userIds.length === 0) return [];
  return deps.store.write(async (tx) => {
    const admin = await roleNamed(tx, SYSTEM_ADMIN_ROLE);
    const added: string[] = [];
    for (const userId of userIds) {
      await ensureUserIn(tx, deps, userId);
      if (await tx.memberships.has(userId, admin.id)) continue;
      await tx.memberships.add(userId, admin.id, SYSTEM_ACTOR, iso(deps.now()));
      await appendAudit(
        tx,
        { actorId: SYSTEM_ACTOR, action: 'role.assigned', ownerId: userId, roleName: admin.name, details: { via: 'BOOTSTRAP_ADMINS' } },
        deps.now(),
      );
      await approveOpenRequestsIn(tx, deps, userId, SYSTEM_ACTOR, 'system_admin');
      added.push(userId);
    }
    return added;
  });
}
