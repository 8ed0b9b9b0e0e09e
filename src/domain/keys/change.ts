import { AppError, isAppError } from '../../errors.js';
import { appendAudit, auditOf } from '../audit.js';
import type { DomainDeps } from '../deps.js';
import type { AccessKey, Role } from '../model.js';
import { queueKeyApiNotice, type ViaKey } from './via.js';
import type { Repos } from '../ports.js';
import { steppedUpIn, stepUpRequired } from '../mfa.js';
import { assertExpiryAllowed } from '../policy.js';
import { firstTime } from '../replays.js';
import { isExpired, resolveExpiry, type ExpiryChoice } from '../time.js';
import { contextIn, type UserContext } from '../users.js';
import { removeKey, viaDetail } from './common.js';
import { findKeyFor, narrowToKey } from './find.js';
import { queueLeakCard } from './leak-card.js';

/** What a replay of a request is told when there is nothing left to show about it. */
export const ALREADY_HANDLED = 'That request was already handled; nothing changed.';

/** `replayed`: the interaction was acted on before (a Slack retry or a replayed request); nothing changed now. */
export type KeyChange = { key: AccessKey; role: Role | undefined; changed: boolean; replayed?: boolean };

/**
 * How a change was asked for. `once`: the Slack interaction (view or button press) — a replay of it
 * changes nothing. `via`: the key that called the key API — it scopes what the caller may touch.
 */
export interface ChangeOptions {
  once?: string;
  via?: ViaKey;
}

/**
 * Runs a change on one key the actor may touch, inside one audited transaction. `once` names the
 * interaction that asked: a replay of it finds the key and changes nothing (`changed: false`).
 */
export async function changeKey(
  deps: DomainDeps,
  actorId: string,
  reference: string,
  change: (tx: Repos, ctx: UserContext, key: AccessKey, role: Role | undefined) => Promise<KeyChange>,
  options: ChangeOptions = {},
): Promise<KeyChange> {
  const { once, via } = options;
  return deps.store.write(async (tx) => {
    const ctx = narrowToKey(await contextIn(tx, deps, actorId), via);
    if (!(await firstTime(tx, deps, actorId, once))) {
      // A replay of a delete finds no key: still an answer about the request, not about a missing key.
      // Only "not found" means that; a fault reading the key is a fault, not "already handled".
      const key = await findKeyFor(tx, ctx, reference, via).catch((error: unknown) => {
        if (isAppError(error, 'KEY_NOT_FOUND')) return undefined;
        throw error;
      });
      if (key === undefined) throw new AppError('INVALID_INPUT', ALREADY_HANDLED);
      return { key, role: await tx.roles.findById(key.roleId), changed: false, replayed: true };
    }
    const key = await findKeyFor(tx, ctx, reference, via);
    return change(tx, ctx, key, await tx.roles.findById(key.roleId));
  });
}

/** R5: a new expiry, in the future, or none. Allowed on expired keys; never changes active/inactive (E2). */
export async function extendKey(
  deps: DomainDeps,
  actorId: string,
  reference: string,
  expiry: ExpiryChoice,
  options: ChangeOptions = {},
): Promise<KeyChange> {
  const now = deps.now();
  const expiresAt = resolveExpiry(expiry, now);
  return changeKey(
    deps,
    actorId,
    reference,
    async (tx, _ctx, key, role) => {
      if (role !== undefined) assertExpiryAllowed(role, expiresAt, now);
      // Extending a rotated-out key means its owner keeps it: it is no longer on its way out.
      const updated = { ...key, expiresAt, rotatedTo: null };
      await tx.keys.update(key.id, { expiresAt, rotatedTo: null });
      await appendAudit(tx, auditOf(actorId, 'key.expiry_extended', updated, role, { previousExpiresAt: key.expiresAt }), now);
      return { key: updated, role, changed: true };
    },
    options,
  );
}

/** R8: make inactive at once. An admin doing it to someone else's key is a revocation. */
export async function deactivateKey(deps: DomainDeps, actorId: string, reference: string, options: ChangeOptions = {}): Promise<KeyChange> {
  const { via } = options;
  return changeKey(
    deps,
    actorId,
    reference,
    async (tx, _ctx, key, role) => {
      const byOwner = key.ownerId === actorId;
      // Already off, unless an admin now revokes what its owner only switched off (the owner could undo that).
      if (key.status === 'revoked' || key.status === 'compromised' || (key.status === 'inactive' && byOwner))
        return { key, role, changed: false };
      // An admin's revocation is remembered as such: the owner of a compromised key cannot undo it.
      const status = byOwner ? 'inactive' : 'revoked';
      const updated: AccessKey = { ...key, status };
      await tx.keys.update(key.id, { status });
      const action = byOwner ? 'key.deactivated' : 'key.revoked';
      await appendAudit(tx, auditOf(actorId, action, updated, role, viaDetail(via)), deps.now());
      if (via !== undefined)
        await queueKeyApiNotice(tx, byOwner ? 'key_deactivated' : 'key_revoked', updated, role, via, actorId, deps.now());
      return { key: updated, role, changed: true };
    },
    options,
  );
}

/** Make active again: not when expired (R5), and only with API access (R1). */
export async function activateKey(deps: DomainDeps, actorId: string, reference: string, options: ChangeOptions = {}): Promise<KeyChange> {
  const { via } = options;
  return changeKey(
    deps,
    actorId,
    reference,
    async (tx, ctx, key, role) => {
      if (isExpired(key, deps.now())) {
        // R5: expiry, not the active switch, is what stops it; say which of the two the key needs.
        throw new AppError(
          'KEY_EXPIRED',
          key.status === 'active'
            ? `"${key.name}" is still active, but it has expired: extend its expiry and it works again.`
            : `"${key.name}" has expired, and an expired key cannot be made active. Extend its expiry first, then make it active.`,
        );
      }
      if (key.status === 'active') return { key, role, changed: false };
      if (key.status === 'revoked' && !ctx.isAdmin) {
        throw new AppError(
          'NOT_ADMIN',
          `An admin revoked "${key.name}", so only an admin can make it active again. Create a new key, or ask an admin.`,
        );
      }
      if (key.status === 'compromised' && via !== undefined && stepUpRequired(deps)) {
        // With step-up on, undoing a compromise needs a code (SPEC §17), and a key API caller holds a key,
        // never a code: a leaked admin key must not undo a leak. Without step-up, an admin's key may (R8).
        throw new AppError(
          'NOT_ADMIN',
          `"${key.name}" was reported compromised or leaked, and step-up is on: only an admin in Slack, with a code, can make it active again.`,
        );
      }
      if (key.status === 'compromised' && !ctx.isAdmin) {
        throw new AppError(
          'NOT_ADMIN',
          `"${key.name}" was reported compromised, so only an admin can make it active again. Rotate it or create a new key instead.`,
        );
      }
      // Checked here, in the change's transaction: a key that turned compromised after the caller looked still asks for a code.
      if (key.status === 'compromised' && !(await steppedUpIn(tx, deps, options.once))) {
        throw new AppError(
          'STEP_UP_REQUIRED',
          `"${key.name}" is now marked compromised, so making it active again needs a step-up code. Nothing changed: ask again to be asked for a code.`,
        );
      }
      const owner = key.ownerId === actorId ? ctx : await contextIn(tx, deps, key.ownerId);
      if (!owner.hasApiAccess) {
        throw new AppError(
          'NO_API_ACCESS',
          key.ownerId === actorId
            ? "You don't have API access, so your keys stay inactive. Ask an admin with `/accesskey request-access`."
            : 'The owner has no API access, so the key stays inactive.',
        );
      }
      const updated: AccessKey = { ...key, status: 'active' };
      await tx.keys.update(key.id, { status: 'active' });
      await appendAudit(tx, auditOf(actorId, 'key.activated', updated, role, viaDetail(via)), deps.now());
      // An admin switching a leaked key back on has decided its leak: the card says so and loses its buttons.
      const leak = key.status === 'compromised' ? await tx.leaks.find(key.id) : undefined;
      if (leak !== undefined && leak.resolution === null) {
        await tx.leaks.update(key.id, { resolution: 'false_positive', resolvedBy: actorId });
        await queueLeakCard(tx, deps, { ...leak, resolution: 'false_positive', resolvedBy: actorId });
      }
      return { key: updated, role, changed: true };
    },
    options,
  );
}

export async function deleteKey(
  deps: DomainDeps,
  actorId: string,
  reference: string,
  reason?: string,
  options: ChangeOptions = {},
): Promise<KeyChange> {
  const { via } = options;
  return changeKey(
    deps,
    actorId,
    reference,
    async (tx, _ctx, key, role) => {
      await removeKey(
        tx,
        actorId,
        'key.deleted',
        key,
        role,
        { ...(reason === undefined ? {} : { reason }), ...viaDetail(via) },
        deps.now(),
      );
      if (via !== undefined) await queueKeyApiNotice(tx, 'key_deleted', key, role, via, actorId, deps.now());
      return { key, role, changed: true };
    },
    options,
  );
}
