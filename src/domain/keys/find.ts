import { AppError } from '../../errors.js';
import type { DomainDeps } from '../deps.js';
import { SYSTEM_ADMIN_ROLE, type AccessKey, type KeyStatus, type Role } from '../model.js';
import type { ViaKey } from './via.js';
import type { ReadRepos } from '../ports.js';
import { KEY_ID_PATTERN, containsSecret } from '../secrets.js';
import { userContext, type UserContext } from '../users.js';
import { KEY_NAME_MAX_CHARS } from '../limits.js';
import { keyStatus } from '../time.js';

/**
 * Through a key (docs/http-api.md, "Prisma-compatible key API"), its owner acts in the key's role only, and has admin powers only when that
 * role is System Admin — a member's second key in another role never borrows them.
 */
export function narrowToKey(ctx: UserContext, via: ViaKey | undefined): UserContext {
  if (via === undefined) return ctx;
  const activeRole = ctx.roles.find((r) => r.id === via.roleId) ?? null;
  return { ...ctx, activeRole, isAdmin: ctx.isAdmin && activeRole?.name === SYSTEM_ADMIN_ROLE };
}

export const SECRET_AS_REFERENCE =
  "That looks like a key's secret (aks_…), not its ID or name, so I won't repeat it. Name the key by its ID (ak_…) or name; if the secret was exposed, report the key compromised.";

/** An admin may name anyone's key by ID, so "of yours" would be wrong there; by name, only their own keys are searched. */
function notFoundText(ref: string, byId: boolean, isAdmin: boolean): string {
  if (isAdmin && byId) return `No key has the ID "${ref}". \`/accesskey admin keys\` lists every key.`;
  const mine = `No key of yours is called or has the ID "${ref}". Try \`/accesskey list --all-roles\`.`;
  return isAdmin ? `${mine} Someone else's key is named by its ID (\`/accesskey admin keys @user\`).` : mine;
}

/**
 * Finds a key the actor may act on, by key ID or by name. Owners find their own keys (the active
 * role's first); admins may name anyone's key by ID. Anything else is "not found", never "forbidden".
 */
export async function findKeyFor(tx: ReadRepos, ctx: UserContext, reference: string, via?: ViaKey): Promise<AccessKey> {
  const ref = reference.trim();
  // The not-found answer quotes the reference: a pasted secret must not be repeated, even to its sender.
  if (containsSecret(ref)) throw new AppError('INVALID_INPUT', SECRET_AS_REFERENCE);
  const byId = KEY_ID_PATTERN.test(ref);
  const notFound = new AppError('KEY_NOT_FOUND', notFoundText(ref, byId, ctx.isAdmin));
  if (byId) {
    const key = await tx.keys.findById(ref);
    if (key === undefined || (key.ownerId !== ctx.user.id && !ctx.isAdmin)) throw notFound;
    // Through a key, only its own role's keys exist for a non-admin (as Prisma shows them).
    if (via !== undefined && !ctx.isAdmin && key.roleId !== via.roleId) throw notFound;
    return key;
  }
  if (ref.length === 0 || ref.length > KEY_NAME_MAX_CHARS) throw notFound;
  const inActive = ctx.activeRole === null ? [] : await tx.keys.findByName(ctx.user.id, ctx.activeRole.id, ref);
  const [first] = inActive;
  if (first !== undefined) return first;
  const anywhere = await tx.keys.findByName(ctx.user.id, null, ref);
  const [only, second] = anywhere;
  if (only === undefined) throw notFound;
  if (second !== undefined)
    throw new AppError('INVALID_INPUT', `Several of your keys are called "${ref}" (in different roles). Use the key ID instead.`);
  return only;
}

export interface KeyView {
  key: AccessKey;
  role: Role | undefined;
}

/** Lists the user's keys for the active role (R3), or across all roles. */
export async function listKeys(
  deps: DomainDeps,
  userId: string,
  options: { allRoles?: boolean; via?: ViaKey } = {},
): Promise<{ ctx: UserContext; keys: KeyView[] }> {
  const ctx = narrowToKey(await userContext(deps, userId), options.via);
  if (!options.allRoles && ctx.activeRole === null) return { ctx, keys: [] };
  const filter = options.allRoles || ctx.activeRole === null ? { ownerId: userId } : { ownerId: userId, roleId: ctx.activeRole.id };
  const keys = await deps.store.read.keys.list(filter);
  // One role's keys need only that role, which the context already holds: one query fewer per list.
  const activeRole = options.allRoles ? null : ctx.activeRole;
  if (activeRole !== null) return { ctx, keys: keys.map((key) => ({ key, role: key.roleId === activeRole.id ? activeRole : undefined })) };
  const roles = new Map((await deps.store.read.roles.list()).map((r) => [r.id, r]));
  return { ctx, keys: keys.map((key) => ({ key, role: roles.get(key.roleId) })) };
}

export async function showKey(deps: DomainDeps, actorId: string, reference: string, via?: ViaKey): Promise<KeyView> {
  const ctx = narrowToKey(await userContext(deps, actorId), via);
  const key = await findKeyFor(deps.store.read, ctx, reference, via);
  return { key, role: await deps.store.read.roles.findById(key.roleId) };
}

/**
 * A key's status and expiry by key ID, for an automation that holds only the ID (a workflow step,
 * SPEC §18): no name, owner or secret, so nothing more is told than what the ID already names.
 */
export async function keyStatusById(
  deps: DomainDeps,
  keyId: string,
): Promise<{ keyId: string; status: KeyStatus; expiresAt: string | null }> {
  const ref = keyId.trim();
  if (containsSecret(ref)) throw new AppError('INVALID_INPUT', SECRET_AS_REFERENCE);
  const key = KEY_ID_PATTERN.test(ref) ? await deps.store.read.keys.findById(ref) : undefined;
  if (key === undefined) throw new AppError('KEY_NOT_FOUND', `No key has the ID "${ref.slice(0, 80)}".`);
  return { keyId: key.id, status: keyStatus(key, deps.now()), expiresAt: key.expiresAt };
}
