import { AppError } from '../errors.js';
import { appendAudit, auditOf } from './audit.js';
import type { DomainDeps } from './deps.js';
import { limitReached, removeKey, slotsIn } from './keys/common.js';
import { findKeyFor } from './keys/find.js';
import { SYSTEM_ACTOR, type AccessKey, type OffboardedKey, type Offboarding, type OffboardingDecision, type Role } from './model.js';
import type { Repos } from './ports.js';
import { queueOutcomeNotices } from './request-outcomes.js';
import { firstTime } from './replays.js';
import { randomBase62 } from './secrets.js';
import { iso } from './time.js';
import { contextIn, requireAdminIn } from './users.js';

/** How an offboarding was asked for, recorded in each key's audit record. */
export interface OffboardOptions {
  /** The request that asked (a workflow step's execution id); a replay of it changes nothing. */
  once?: string;
  /** Where it came from: `event` (Slack's user_change), `reconcile` (the daily job), `workflow_step`, … */
  source?: string;
}

export interface OffboardResult {
  /** Keys made inactive now. */
  count: number;
  /** The card's offboarding; null when the person was offboarded before (a replay, another replica) or had nothing. */
  offboardingId: string | null;
}

const CLOSED_BY_OFFBOARDING = "The person's Slack account was deactivated.";

/**
 * docs/offboarding.md: a person leaves (their Slack account is deactivated), so every active key of
 * theirs becomes inactive at once (`key.inactivated_offboarding`), their API access and open requests
 * end, and the security channel gets one card listing their keys, all in one transaction. The
 * `deactivated_users` marker makes it happen once per deactivation: Slack's retries, a second replica
 * and the reconcile job find it and change nothing. A person acting needs System Admin; the system (a
 * deactivated account, the reconcile job) needs nobody's permission.
 */
export async function offboardPerson(
  deps: DomainDeps,
  actorId: string,
  userId: string,
  options: OffboardOptions = {},
): Promise<OffboardResult> {
  // Slack tells every app of every deactivation in the workspace: someone the app never saw is answered
  // from a read, without taking the audit chain's lock.
  if (actorId === SYSTEM_ACTOR && (await deps.store.read.users.find(userId)) === undefined) return { count: 0, offboardingId: null };
  const result = await deps.store.write(async (tx): Promise<OffboardResult> => {
    if (actorId !== SYSTEM_ACTOR) await requireAdminIn(tx, deps, actorId);
    const nothing: OffboardResult = { count: 0, offboardingId: null };
    if (!(await firstTime(tx, deps, actorId, options.once))) return nothing;
    const user = await tx.users.find(userId);
    // Never seen by the app: no keys, no access, no requests; nothing to end.
    if (user === undefined) return nothing;
    const now = deps.now();
    const offboardingId = `off_${randomBase62(16)}`;
    // First time for this deactivation: the card lists every key. Marked before (a replay, another
    // replica, or a reactivation Slack told us nothing of): only keys still active are ended and listed,
    // so a replay finds nothing to do, and a key made since a missed reactivation is still stopped.
    const fresh = await tx.offboardings.markDeactivated(userId, iso(now), offboardingId);
    const source = options.source ?? 'event';
    const keys: OffboardedKey[] = [];
    let count = 0;
    // Oldest first, then by name: the card reads the same on every replica and dialect.
    const owned = (await tx.keys.list({ ownerId: userId })).sort(
      (a, b) => a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id),
    );
    for (const key of owned) {
      const active = key.status === 'active';
      if (!active && !fresh) continue;
      const role = await tx.roles.findById(key.roleId);
      if (active) {
        await tx.keys.update(key.id, { status: 'inactive' });
        await appendAudit(tx, auditOf(actorId, 'key.inactivated_offboarding', key, role, { source }), now);
        count += 1;
      }
      keys.push({
        keyId: key.id,
        keyName: key.name,
        roleName: role?.name ?? null,
        lastUsedAt: key.lastUsedAt,
        lastUsedIp: key.lastUsedIp,
        decision: null,
        decidedBy: null,
        decidedAt: null,
        newOwnerId: null,
      });
    }
    if (user.apiAccess) {
      await tx.users.update(userId, { apiAccess: false });
      await appendAudit(tx, { actorId, action: 'api_access.revoked', ownerId: userId, details: { reason: 'offboarding', source } }, now);
    }
    await closeOpenRequests(tx, userId, actorId, now);
    if (keys.length === 0) return { count, offboardingId: null };
    await tx.offboardings.insert({ id: offboardingId, userId, actorId, source, createdAt: iso(now), keys });
    await tx.notifications.enqueue({ kind: 'offboarding.card', offboardingId }, iso(now));
    return { count, offboardingId };
  });
  if (result.offboardingId !== null) deps.outbox?.wake();
  return result;
}

/** A leaver's open API-access requests are denied (audited); their cards lose the buttons; nobody is DMed. */
async function closeOpenRequests(tx: Repos, userId: string, actorId: string, now: Date): Promise<void> {
  for (let open = await tx.accessRequests.findPending(userId); open !== undefined; open = await tx.accessRequests.findPending(userId)) {
    const patch = { status: 'denied' as const, decidedAt: iso(now), decidedBy: actorId, decisionReason: CLOSED_BY_OFFBOARDING };
    await tx.accessRequests.update(open.id, patch);
    await appendAudit(
      tx,
      { actorId, action: 'api_access.denied', ownerId: userId, details: { requestId: open.id, reason: 'offboarding' } },
      now,
    );
    await queueOutcomeNotices(tx, { ...open, ...patch }, iso(now), undefined, false);
  }
}

/**
 * The account is active again (user_change without `deleted`): nothing comes back by itself, but a later
 * deactivation offboards afresh. Says whether the person had been marked deactivated.
 */
export async function forgetDeactivation(deps: DomainDeps, userId: string): Promise<boolean> {
  if (!(await deps.store.read.offboardings.isDeactivated(userId))) return false;
  return deps.store.write((tx) => tx.offboardings.forgetDeactivated(userId));
}

/**
 * Moves a key to a new owner, who must hold the key's role and API access, be within the role's limit
 * (R2) and have no key of that name in it. Audited with both owners; both are told, unless the old
 * owner has left. The key's status is unchanged: a key inactive since its owner left stays inactive.
 */
async function transferIn(
  tx: Repos,
  deps: DomainDeps,
  actorId: string,
  key: AccessKey,
  role: Role | undefined,
  newOwnerId: string,
  now: Date,
): Promise<AccessKey> {
  if (role === undefined) throw new AppError('ROLE_NOT_FOUND', `The role of *${key.name}* no longer exists, so it cannot be transferred.`);
  // Refusals speak of "the new owner": error texts are escaped, so a mention would show as code.
  if (newOwnerId === key.ownerId) throw new AppError('INVALID_INPUT', `That person already owns *${key.name}*.`);
  if (await tx.offboardings.isDeactivated(newOwnerId))
    throw new AppError('INVALID_INPUT', "The new owner's Slack account is deactivated; pick someone else.");
  const target = await contextIn(tx, deps, newOwnerId);
  if (!target.roles.some((r) => r.id === role.id))
    throw new AppError(
      'NOT_ROLE_MEMBER',
      `The new owner doesn't hold ${role.name}, the role of *${key.name}*. Assign it first (\`/accesskey admin role assign @user ${role.name}\`) or pick someone who holds it.`,
    );
  // Not NO_API_ACCESS: that code offers the person asking a "Request API access" button, and here the admin asks.
  if (!target.hasApiAccess)
    throw new AppError(
      'INVALID_INPUT',
      'The new owner has no API access, so they cannot own a key. Grant it first (`/accesskey admin grant @user`) or pick someone who has it.',
      { details: { rule: 'new_owner_api_access' } },
    );
  const slots = await slotsIn(tx, newOwnerId, role);
  if (slots.used >= slots.max) throw limitReached(slots, 'the new owner must delete or rotate one first.');
  if ((await tx.keys.findByName(newOwnerId, role.id, key.name)).length > 0)
    throw new AppError(
      'DUPLICATE_NAME',
      `The new owner already has a key called "${key.name}" in ${role.name}; they must rename or delete theirs first.`,
    );
  const moved: AccessKey = { ...key, ownerId: newOwnerId };
  await tx.keys.setOwner(key.id, newOwnerId);
  await appendAudit(tx, auditOf(actorId, 'key.transferred', moved, role, { fromOwnerId: key.ownerId, toOwnerId: newOwnerId }), now);
  const notice = { keyId: key.id, keyName: key.name, roleName: role.name, fromOwnerId: key.ownerId, toOwnerId: newOwnerId, actorId };
  await tx.notifications.enqueue({ kind: 'key.transferred_dm', recipientId: newOwnerId, ...notice }, iso(now));
  if (!(await tx.offboardings.isDeactivated(key.ownerId)))
    await tx.notifications.enqueue({ kind: 'key.transferred_dm', recipientId: key.ownerId, ...notice }, iso(now));
  return moved;
}

/** `/accesskey admin transfer <key> @user`: an admin gives anyone's key to someone else (see `transferIn`). */
export async function transferKey(
  deps: DomainDeps,
  actorId: string,
  input: { reference: string; newOwnerId: string },
  options: { once?: string } = {},
): Promise<{ key: AccessKey; fromOwnerId: string; replayed: boolean }> {
  const result = await deps.store.write(async (tx) => {
    const ctx = await requireAdminIn(tx, deps, actorId);
    const key = await findKeyFor(tx, ctx, input.reference);
    if (!(await firstTime(tx, deps, actorId, options.once))) return { key, fromOwnerId: key.ownerId, replayed: true };
    const moved = await transferIn(tx, deps, actorId, key, await tx.roles.findById(key.roleId), input.newOwnerId, deps.now());
    return { key: moved, fromOwnerId: key.ownerId, replayed: false };
  });
  if (!result.replayed) deps.outbox?.wake();
  return result;
}

export type OffboardingAction = { kind: 'transfer'; newOwnerId: string } | { kind: 'delete' } | { kind: 'keep' };

export type OffboardingActionResult =
  | { outcome: 'decided'; offboarding: Offboarding; decision: OffboardingDecision }
  /** Decided before (another admin, a second press, a replay): nothing changed; `decidedBy` says who. */
  | { outcome: 'already'; offboarding: Offboarding; key: OffboardedKey };

/**
 * An admin's choice on the offboarding card for one key: Transfer to… (see `transferIn`), Delete, or
 * Keep inactive. Decided once: a second press, a Slack retry or another admin finds it decided. The card
 * pressed (`card`) is updated in place through the notification outbox.
 */
export async function actOnOffboardedKey(
  deps: DomainDeps,
  actorId: string,
  input: { offboardingId: string; keyId: string; action: OffboardingAction },
  options: { once?: string; card?: { channel?: string; ts?: string } } = {},
): Promise<OffboardingActionResult> {
  const result = await deps.store.write(async (tx): Promise<OffboardingActionResult> => {
    await requireAdminIn(tx, deps, actorId);
    const offboarding = await tx.offboardings.find(input.offboardingId);
    const entry = offboarding?.keys.find((k) => k.keyId === input.keyId);
    if (offboarding === undefined || entry === undefined) throw new AppError('INVALID_INPUT', 'That offboarding card is not known here.');
    if (!(await firstTime(tx, deps, actorId, options.once)) || entry.decision !== null)
      return { outcome: 'already', offboarding, key: entry };
    const now = deps.now();
    const key = await tx.keys.findById(entry.keyId);
    const role = key === undefined ? undefined : await tx.roles.findById(key.roleId);
    let decision: OffboardingDecision;
    let newOwnerId: string | null = null;
    if (input.action.kind === 'transfer') {
      if (key === undefined) throw new AppError('KEY_NOT_FOUND', `*${entry.keyName}* no longer exists, so it cannot be transferred.`);
      await transferIn(tx, deps, actorId, key, role, input.action.newOwnerId, now);
      decision = 'transferred';
      newOwnerId = input.action.newOwnerId;
    } else if (input.action.kind === 'delete') {
      if (key !== undefined)
        await removeKey(tx, actorId, 'key.deleted', key, role, { reason: 'offboarding', offboardingId: offboarding.id }, now);
      decision = 'deleted';
    } else {
      if (key !== undefined)
        await appendAudit(tx, auditOf(actorId, 'key.kept_inactive', key, role, { offboardingId: offboarding.id }), now);
      decision = 'kept_inactive';
    }
    await tx.offboardings.decide(offboarding.id, entry.keyId, { decision, decidedBy: actorId, decidedAt: iso(now), newOwnerId });
    const { channel, ts } = options.card ?? {};
    if (channel !== undefined && ts !== undefined)
      await tx.notifications.enqueue({ kind: 'offboarding.card_update', offboardingId: offboarding.id, channel, ts }, iso(now));
    const after = await tx.offboardings.find(offboarding.id);
    return { outcome: 'decided', offboarding: after ?? offboarding, decision };
  });
  if (result.outcome === 'decided') deps.outbox?.wake();
  return result;
}
