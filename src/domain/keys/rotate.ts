import { AppError } from '../../errors.js';
import { appendAudit, auditOf } from '../audit.js';
import type { DomainDeps } from '../deps.js';
import type { AccessKey, Role } from '../model.js';
import type { ReadRepos, Repos } from '../ports.js';
import { assertExpiryAllowed, longestAllowedExpiry, policyOf } from '../policy.js';
import { firstTime } from '../replays.js';
import { addCalendarMonth, DAY_MS, isExpired, iso } from '../time.js';
import { contextIn, userContext, type UserContext } from '../users.js';
import { KEY_NAME_MAX_CHARS } from '../limits.js';
import { limitReached, newKey, removeKey, slotsIn } from './common.js';
import { findKeyFor } from './find.js';

/** How long a rotated-out key keeps working, so integrations can move to the successor. */
export const ROTATION_GRACE_MS = DAY_MS;

export type RotateKeyResult = {
  old: AccessKey;
  successor: AccessKey;
  role: Role;
  secret: string;
  previousExpiresAt: string | null;
  /** The old key had expired before the rotation: it gave no grace period. */
  oldExpired: boolean;
};

function successorName(name: string, now: Date, attempt: number): string {
  const suffix = ` (rotated ${now.toISOString().slice(0, 10)}${attempt > 1 ? ` #${attempt}` : ''})`;
  return `${[...name].slice(0, KEY_NAME_MAX_CHARS - suffix.length).join('')}${suffix}`;
}

export interface RotateOptions {
  graceMs?: number;
  /** As for `createKey`: the successor's secret is handed over after the commit. */
  deliverLater?: boolean;
  /** The interaction that asked (a Slack button press or command): a replay rotates nothing. */
  once?: string;
}

/** The old key's expiry once its successor is in the owner's hands: the grace period, or sooner if it expired sooner anyway. */
function retiredExpiry(old: AccessKey, deliveredAt: Date, graceMs: number): string | null {
  // A compromised key is already refused everywhere: no grace period, its expiry stays as it was.
  if (old.status === 'compromised') return old.expiresAt;
  const graceEnd = deliveredAt.getTime() + graceMs;
  return old.expiresAt === null || Date.parse(old.expiresAt) > graceEnd ? iso(new Date(graceEnd)) : old.expiresAt;
}

/**
 * The successor reached its owner: the old key starts its grace period now (audited as the rotation).
 * Until then it keeps its expiry, so an undelivered successor never makes the old key expire.
 */
export async function retirePredecessor(
  tx: Repos,
  deps: DomainDeps,
  actorId: string,
  successor: AccessKey,
  role: Role | undefined,
  graceMs: number,
): Promise<AccessKey | undefined> {
  const old = await tx.keys.findRotatedTo(successor.id);
  if (old === undefined) return undefined;
  const now = deps.now();
  const expiresAt = retiredExpiry(old, now, graceMs);
  await tx.keys.update(old.id, { expiresAt });
  const retired: AccessKey = { ...old, expiresAt };
  await appendAudit(
    tx,
    auditOf(actorId, 'key.rotated', retired, role, { successorId: successor.id, previousExpiresAt: old.expiresAt }),
    now,
  );
  return retired;
}

/** What a rotation will do, checked before anything changes: the command shows it and asks first. */
export interface RotationPlan {
  old: AccessKey;
  role: Role;
  /** The successor's expiry: the old key's lifetime again, or the default term when the old key has expired. */
  successorExpiry: string | null;
  /** The old key had already expired: there is no grace period to speak of. */
  oldExpired: boolean;
}

/**
 * An expired key has no lifetime left worth copying: its successor gets the default term (one month, or
 * the role's policy maximum when that is shorter). Any other key's successor keeps its lifetime.
 */
function successorExpiryOf(old: AccessKey, role: Role, now: Date): string | null {
  if (isExpired(old, now)) {
    const month = addCalendarMonth(now);
    const latest = longestAllowedExpiry(policyOf(role), now);
    return iso(latest !== null && latest.getTime() < month.getTime() ? latest : month);
  }
  const lifetime = old.expiresAt === null ? null : Date.parse(old.expiresAt) - Date.parse(old.createdAt);
  return lifetime === null ? null : iso(new Date(now.getTime() + lifetime));
}

/** Every refusal of a rotation, in the order a user can fix them; nothing is written. */
async function planRotation(repos: ReadRepos, ctx: UserContext, reference: string, now: Date): Promise<RotationPlan> {
  const old = await findKeyFor(repos, ctx, reference);
  if (old.ownerId !== ctx.user.id)
    throw new AppError(
      'KEY_NOT_FOUND',
      `"${old.name}" is not your key: only its owner can rotate it (the new secret goes to whoever asks).`,
    );
  if (!ctx.hasApiAccess)
    throw new AppError(
      'NO_API_ACCESS',
      "You don't have API access, so you can't create the new key. Ask an admin with `/accesskey request-access`.",
    );
  const role = ctx.roles.find((r) => r.id === old.roleId);
  if (role === undefined)
    throw new AppError('NOT_ROLE_MEMBER', 'You no longer hold the role this key belongs to, so it cannot be rotated. Delete it instead.');
  if (old.rotatedTo !== null) throw new AppError('INVALID_INPUT', `"${old.name}" was already rotated (its successor is ${old.rotatedTo}).`);
  // A compromised key is rotated at once (its successor takes over); other inactive keys are not.
  if (old.status !== 'active' && old.status !== 'compromised')
    throw new AppError('INVALID_INPUT', `"${old.name}" is inactive; make it active first, or delete it and create a new key.`);
  // The successor replaces the old key, which stops working after the grace period: a full role can
  // still rotate ("delete or rotate one first", R2). Only a role already over its limit cannot.
  const slots = await slotsIn(repos, ctx.user.id, role);
  if (slots.used > role.maxKeys)
    throw limitReached(slots, (slots.rotatingOut ?? 0) > 0 ? 'finish an earlier rotation first.' : 'delete one first.');
  const oldExpired = isExpired(old, now);
  const successorExpiry = successorExpiryOf(old, role, now);
  assertExpiryAllowed(
    role,
    successorExpiry,
    now,
    `The successor keeps the old key's lifetime: change "${old.name}"'s expiry to fit first, then rotate.`,
  );
  return { old, role, successorExpiry, oldExpired };
}

/** The rotation `/accesskey rotate` asks about before doing it: refused now if it would be refused then. */
export async function checkRotation(deps: DomainDeps, actorId: string, reference: string): Promise<RotationPlan> {
  return planRotation(deps.store.read, await userContext(deps, actorId), reference, deps.now());
}

/**
 * `/accesskey rotate` (README): a successor in the same role (a free slot is needed: R2 holds), with the same
 * lifetime as the old key (an expired key's successor gets the default term); the old key keeps working
 * for a grace period, then expires. Only the owner rotates (the new secret goes to whoever asked).
 */
export async function rotateKey(
  deps: DomainDeps,
  actorId: string,
  reference: string,
  options: RotateOptions = {},
): Promise<RotateKeyResult> {
  const now = deps.now();
  const graceMs = options.graceMs ?? ROTATION_GRACE_MS;
  return deps.store.write(async (tx) => {
    const ctx = await contextIn(tx, deps, actorId);
    if (!(await firstTime(tx, deps, actorId, options.once)))
      throw new AppError(
        'INVALID_INPUT',
        'That rotation was already done from this button; its new secret was shown once and is not shown again.',
      );
    const { old, role, successorExpiry, oldExpired } = await planRotation(tx, ctx, reference, now);
    let name = successorName(old.name, now, 1);
    for (let attempt = 2; (await tx.keys.findByName(actorId, role.id, name)).length > 0; attempt++)
      name = successorName(old.name, now, attempt);
    const { key: successor, secret } = newKey(deps, {
      name,
      ownerId: actorId,
      roleId: role.id,
      expiresAt: successorExpiry,
      now,
      deliverLater: options.deliverLater,
      // A successor does what its predecessor did, from where it did (docs/least-privilege.md): never more.
      permissions: old.permissions,
      networks: old.networks,
      networkReportOnly: old.networkReportOnly,
    });
    await tx.keys.insert(successor);
    await appendAudit(tx, auditOf(actorId, 'key.created', successor, role, { rotatedFrom: old.id }), now);
    // The link comes first (a key is rotated once); the grace period starts when the successor is delivered.
    await tx.keys.update(old.id, { rotatedTo: successor.id });
    const linked: AccessKey = { ...old, rotatedTo: successor.id };
    const retired =
      options.deliverLater === true
        ? { ...linked, expiresAt: retiredExpiry(old, now, graceMs) }
        : await retirePredecessor(tx, deps, actorId, successor, role, graceMs);
    return { old: retired ?? linked, successor, role, secret, previousExpiresAt: old.expiresAt, oldExpired };
  });
}

/**
 * When a rotation's new secret reached the user nowhere (R6): the successor goes and the old key gets
 * its expiry back, in one audited transaction, so the user keeps a working key and can try again.
 */
export async function undoRotation(deps: DomainDeps, actorId: string, result: RotateKeyResult): Promise<void> {
  await deps.store.write(async (tx) => {
    // The old key is read before the successor goes: deleting the successor clears the old key's link.
    const old = await tx.keys.findById(result.old.id);
    const successor = await tx.keys.findById(result.successor.id);
    if (successor !== undefined)
      await removeKey(tx, actorId, 'key.deleted', successor, result.role, { reason: 'secret_not_delivered' }, deps.now());
    if (old === undefined || old.rotatedTo !== result.successor.id) return;
    const restored = result.previousExpiresAt;
    await tx.keys.update(old.id, { expiresAt: restored, rotatedTo: null });
    // An undelivered successor never started the grace period: then only the link goes, with nothing to audit.
    if (old.expiresAt === restored) return;
    await appendAudit(
      tx,
      auditOf(actorId, 'key.expiry_extended', { ...old, expiresAt: restored }, result.role, {
        reason: 'rotation_undone',
        previousExpiresAt: old.expiresAt,
      }),
      deps.now(),
    );
  });
}
