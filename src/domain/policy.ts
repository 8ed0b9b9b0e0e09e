import { AppError } from '../errors.js';
import { appendAudit } from './audit.js';
import type { DomainDeps } from './deps.js';
import type { AccessKey, Role, RolePolicy } from './model.js';
import { requireAdminIn, roleNamed } from './users.js';
import { plural } from './text.js';
import { DAY_MS } from './time.js';

/**
 * Lifetime policy per role (docs/usage.md, "Security-team controls"). A policy bounds what a key may be given *at the moment of a
 * change* (create, extend, rotate): an expiry at most `maxDays` from then, and an expiry at all when
 * required (a `maxDays` implies one: "never" is longer than any number of days). Keys made before a
 * policy changed are never altered; they are only reported as out of policy (`policyIssue`).
 */

export const POLICY_MAX_DAYS_LIMIT = 3650;
export const NO_POLICY: RolePolicy = { maxDays: null, expiryRequired: false };

export function policyOf(role: Pick<Role, 'policy'> | undefined): RolePolicy {
  return role?.policy ?? NO_POLICY;
}

export function hasPolicy(policy: RolePolicy): boolean {
  return policy.maxDays !== null || policy.expiryRequired;
}

/** Whether a key of this role must expire at all. */
export function requiresExpiry(policy: RolePolicy): boolean {
  return policy.expiryRequired || policy.maxDays !== null;
}

/** "keys expire within 30 days", "keys must expire": the policy in words, for errors and lists. */
export function describePolicy(policy: RolePolicy): string {
  if (policy.maxDays !== null) return `keys expire within ${plural(policy.maxDays, 'day')}`;
  if (policy.expiryRequired) return 'keys must have an expiry';
  return 'no lifetime policy';
}

/** The latest expiry a change made at `now` may set, or null when any (or none) is allowed. */
export function longestAllowedExpiry(policy: RolePolicy, now: Date): Date | null {
  return policy.maxDays === null ? null : new Date(now.getTime() + policy.maxDays * DAY_MS);
}

/** Why an expiry set at `now` breaks the role's policy, or undefined when it complies. */
export function expiryViolation(role: Pick<Role, 'name' | 'policy'>, expiresAt: string | null, now: Date): string | undefined {
  const policy = policyOf(role);
  const latest = longestAllowedExpiry(policy, now);
  if (expiresAt === null && requiresExpiry(policy))
    return `The ${role.name} policy says ${describePolicy(policy)}, so a key that never expires is not allowed.`;
  if (expiresAt !== null && latest !== null && Date.parse(expiresAt) > latest.getTime()) {
    return `The ${role.name} policy says ${describePolicy(policy)}: pick an expiry on or before ${latest.toISOString().slice(0, 16).replace('T', ' ')} UTC.`;
  }
  return undefined;
}

/** Refuses, with the policy named, an expiry that a create/extend/rotate at `now` may not set. */
export function assertExpiryAllowed(role: Pick<Role, 'name' | 'policy'>, expiresAt: string | null, now: Date, advice = ''): void {
  const violation = expiryViolation(role, expiresAt, now);
  if (violation !== undefined) {
    throw new AppError('POLICY_VIOLATION', `${violation}${advice === '' ? '' : ` ${advice}`}`, {
      details: { role: role.name, maxDays: policyOf(role).maxDays, expiryRequired: policyOf(role).expiryRequired },
    });
  }
}

/**
 * Whether an existing key is outside its role's policy now (it could not be created or extended like
 * this today). Expired keys are not flagged: they no longer work anyway.
 */
export function policyIssue(
  key: Pick<AccessKey, 'expiresAt'>,
  role: Pick<Role, 'name' | 'policy'> | undefined,
  now: Date,
): string | undefined {
  if (role === undefined) return undefined;
  if (key.expiresAt !== null && Date.parse(key.expiresAt) <= now.getTime()) return undefined;
  const policy = policyOf(role);
  if (!hasPolicy(policy)) return undefined;
  if (key.expiresAt === null && requiresExpiry(policy)) return `never expires; the ${role.name} policy says ${describePolicy(policy)}`;
  const latest = longestAllowedExpiry(policy, now);
  if (key.expiresAt !== null && latest !== null && Date.parse(key.expiresAt) > latest.getTime())
    return `expires later than the ${role.name} policy allows (${describePolicy(policy)})`;
  return undefined;
}

export type PolicyChange = { setting: 'max-days'; value: number | null } | { setting: 'expiry-required'; value: boolean };

/** An admin sets or clears one part of a role's policy; audited with the before and after. */
export async function setRolePolicy(
  deps: DomainDeps,
  actorId: string,
  roleName: string,
  change: PolicyChange,
): Promise<{ role: Role; before: RolePolicy; changed: boolean }> {
  if (
    change.setting === 'max-days' &&
    change.value !== null &&
    (!Number.isInteger(change.value) || change.value < 1 || change.value > POLICY_MAX_DAYS_LIMIT)
  ) {
    throw new AppError('INVALID_INPUT', `max-days must be a whole number from 1 to ${POLICY_MAX_DAYS_LIMIT}, or \`off\`.`);
  }
  return deps.store.write(async (tx) => {
    await requireAdminIn(tx, deps, actorId);
    const role = await roleNamed(tx, roleName);
    const before = policyOf(role);
    const after: RolePolicy =
      change.setting === 'max-days' ? { ...before, maxDays: change.value } : { ...before, expiryRequired: change.value };
    if (after.maxDays === before.maxDays && after.expiryRequired === before.expiryRequired) return { role, before, changed: false };
    await tx.roles.setPolicy(role.id, after);
    // How many keys of the role this leaves out of policy: they are reported, never changed.
    const now = deps.now();
    const updated: Role = { ...role, policy: after };
    const outOfPolicy = (await tx.keys.list({ roleId: role.id })).filter((k) => policyIssue(k, updated, now) !== undefined).length;
    await appendAudit(
      tx,
      {
        actorId,
        action: 'role.policy_changed',
        roleName: role.name,
        details: {
          maxDays: after.maxDays,
          expiryRequired: after.expiryRequired,
          previousMaxDays: before.maxDays,
          previousExpiryRequired: before.expiryRequired,
          keysOutOfPolicy: outOfPolicy,
        },
      },
      now,
    );
    return { role: updated, before, changed: true };
  });
}
