import { AppError } from '../../errors.js';
import { appendAudit, auditOf } from '../audit.js';
import type { DomainDeps } from '../deps.js';
import { SYSTEM_ACTOR, type AccessKey } from '../model.js';
import type { Repos } from '../ports.js';
import { firstTime } from '../replays.js';
import { DAY_MS, isExpired, iso } from '../time.js';
import { HOUR_MS, hourOf } from '../usage-counts.js';
import { userContext } from '../users.js';
import { findKeyFor } from './find.js';
import { ROTATION_GRACE_MS } from './rotate.js';

/**
 * Rotation grace that looks before it cuts (SPEC §15, docs/usage-analytics.md): a rotated-out key
 * whose grace ends within the next hour and that was used in the last hour is not cut silently. Its
 * expiry moves 24 h later (audited) and its owner is asked, with its uses since the rotation:
 * **Extend grace 24 h** or **Expire now**. Without an answer it expires at the later time.
 */

/** How far ahead of the grace's end the check looks (the expiry check runs every 15 minutes by default). */
export const GRACE_LOOKAHEAD_MS = HOUR_MS;
/** "Still in use": a use within this long before the check. */
export const RECENT_USE_MS = HOUR_MS;
/** What not cutting (and each Extend) adds. */
export const GRACE_EXTENSION_MS = DAY_MS;
/** However often it is kept or extended, a rotated-out key expires at most this long after the rotation. */
export const MAX_GRACE_AFTER_ROTATION_MS = 7 * DAY_MS;

/** The latest a rotated-out key may expire: 7 days after its successor was made (the rotation). */
async function graceLimit(tx: Pick<Repos, 'keys'>, key: AccessKey): Promise<number | undefined> {
  const successor = key.rotatedTo === null ? undefined : await tx.keys.findById(key.rotatedTo);
  return successor === undefined ? undefined : Date.parse(successor.createdAt) + MAX_GRACE_AFTER_ROTATION_MS;
}

/** Marker kind in `usage_anomalies` (one per key and grace end): each grace end is looked at once across replicas. */
const GRACE_MARKER = 'rotation_grace';

/** The old key's valid uses counted since its grace began (the rotation reached its owner). */
export async function usesSinceRotation(deps: Pick<DomainDeps, 'store' | 'now'>, key: AccessKey): Promise<number> {
  if (key.expiresAt === null) return 0;
  const graceStart = Date.parse(key.expiresAt) - ROTATION_GRACE_MS;
  const rows = await deps.store.usageCounts.hourlyTotals(key.id, hourOf(graceStart), hourOf(deps.now().getTime()) + 1);
  return rows.filter((row) => row.outcome === 'valid').reduce((sum, row) => sum + row.count, 0);
}

/** Keys whose grace ends soon and that were used in the last hour: kept 24 h more, owner asked. Returns how many. */
export async function checkRotationGrace(deps: DomainDeps, limit = 100): Promise<number> {
  const now = deps.now();
  const ending = await deps.store.read.keys.listGraceEnding(iso(now), iso(new Date(now.getTime() + GRACE_LOOKAHEAD_MS)), limit);
  let asked = 0;
  for (const key of ending) {
    if (key.rotatedTo === null || key.expiresAt === null) continue;
    if (key.lastUsedAt === null || Date.parse(key.lastUsedAt) < now.getTime() - RECENT_USE_MS) continue;
    const uses = await usesSinceRotation(deps, key);
    const graceEnd = key.expiresAt;
    const kept = await deps.store.write(async (tx) => {
      const fresh = await tx.keys.findById(key.id);
      // Changed since it was listed (deleted, made inactive, extended): nothing to decide here.
      if (fresh === undefined || fresh.expiresAt !== graceEnd || fresh.status !== 'active' || fresh.rotatedTo === null) return false;
      // At the 7-day limit (or with the successor gone) the grace ends as set.
      const limit = await graceLimit(tx, fresh);
      if (limit === undefined || Date.parse(graceEnd) >= limit) return false;
      if (!(await tx.usageAnomalies.markOnce(key.id, GRACE_MARKER, graceEnd, iso(now)))) return false;
      const expiresAt = iso(new Date(Math.min(Date.parse(graceEnd) + GRACE_EXTENSION_MS, limit)));
      await tx.keys.update(key.id, { expiresAt });
      const role = await tx.roles.findById(key.roleId);
      await appendAudit(
        tx,
        auditOf(SYSTEM_ACTOR, 'key.rotation_grace_extended', { ...fresh, expiresAt }, role, {
          reason: 'used_in_last_hour',
          previousExpiresAt: graceEnd,
          usesSinceRotation: uses,
          lastUsedAt: fresh.lastUsedAt,
          successorId: fresh.rotatedTo,
        }),
        now,
      );
      await tx.notifications.enqueue(
        { kind: 'rotation.grace_question', keyId: key.id, previousExpiresAt: graceEnd, usesSinceRotation: uses },
        iso(now),
      );
      return true;
    });
    if (kept) asked += 1;
  }
  return asked;
}

export type GraceDecision = 'extend' | 'expire';

/**
 * The owner's answer: **Extend grace 24 h** (from the later of now and its current end) or **Expire
 * now**. Only for a rotated-out key still in its grace; a replayed click changes nothing.
 */
export async function decideRotationGrace(
  deps: DomainDeps,
  actorId: string,
  reference: string,
  decision: GraceDecision,
  options: { once?: string } = {},
): Promise<AccessKey> {
  const ctx = await userContext(deps, actorId);
  return deps.store.write(async (tx) => {
    const key = await findKeyFor(tx, ctx, reference);
    if (key.ownerId !== actorId) throw new AppError('KEY_NOT_FOUND', `"${key.name}" is not your key: only its owner decides its grace.`);
    const now = deps.now();
    if (key.rotatedTo === null || key.expiresAt === null)
      throw new AppError('INVALID_INPUT', `"${key.name}" is not in a rotation's grace period.`);
    if (isExpired(key, now)) throw new AppError('KEY_EXPIRED', `"${key.name}" has already expired; its successor is ${key.rotatedTo}.`);
    if (!(await firstTime(tx, deps, actorId, options.once))) return key;
    let expiresAt = iso(now);
    if (decision === 'extend') {
      // A key made inactive, revoked or reported compromised stays off: no grace to extend.
      if (key.status !== 'active')
        throw new AppError(
          'INVALID_INPUT',
          `"${key.name}" is ${key.status}, so its grace cannot be extended. Use its successor ${key.rotatedTo}.`,
        );
      const limit = await graceLimit(tx, key);
      if (limit === undefined || Date.parse(key.expiresAt) >= limit)
        throw new AppError(
          'POLICY_VIOLATION',
          `"${key.name}" already works until 7 days after its rotation, the longest a grace lasts. Move to its successor ${key.rotatedTo}.`,
        );
      expiresAt = iso(new Date(Math.min(Math.max(Date.parse(key.expiresAt), now.getTime()) + GRACE_EXTENSION_MS, limit)));
    }
    await tx.keys.update(key.id, { expiresAt });
    const changed: AccessKey = { ...key, expiresAt };
    const role = await tx.roles.findById(key.roleId);
    await appendAudit(
      tx,
      auditOf(actorId, decision === 'expire' ? 'key.rotation_grace_ended' : 'key.rotation_grace_extended', changed, role, {
        reason: decision === 'expire' ? 'owner_expired_it' : 'owner_extended_it',
        previousExpiresAt: key.expiresAt,
        successorId: key.rotatedTo,
      }),
      now,
    );
    return changed;
  });
}
