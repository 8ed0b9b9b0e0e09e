import type { DomainDeps } from '../deps.js';
import { SYSTEM_ACTOR, type AccessKey, type Role } from '../model.js';
import { iso } from '../time.js';
import { removeKey } from './common.js';
import { ROTATION_GRACE_MS, retirePredecessor } from './rotate.js';

/**
 * The secret of a key created with `deliverLater` reached its owner (the ephemeral message or the CSV
 * was confirmed sent): from now on it authenticates, and a rotation it completes starts its predecessor's
 * grace period. False when the key is gone (the sweep or a delete came first).
 */
export async function confirmDelivery(deps: DomainDeps, keyId: string, graceMs = ROTATION_GRACE_MS): Promise<boolean> {
  return deps.store.write(async (tx) => {
    const key = await tx.keys.findById(keyId);
    if (key === undefined) return false;
    if (key.deliveredAt !== null) return true;
    await tx.keys.update(key.id, { deliveredAt: iso(deps.now()) });
    await retirePredecessor(tx, deps, key.ownerId, key, await tx.roles.findById(key.roleId), graceMs);
    return true;
  });
}

/** How long a key may wait for its secret to be delivered before the sweep removes it. */
export const UNDELIVERED_TTL_MS = 2 * 60 * 1000;

/**
 * Deletes keys whose secret never reached their owner (a crash or kill between commit and delivery),
 * each in its own audited transaction (`key.deleted_undelivered`), which frees its slot; a rotation it
 * belonged to is undone (the old key never started its grace period). Each owner's DM is queued in the
 * same transaction (notification outbox). Returns the keys it removed. Safe on several replicas: each key is re-read under the write lock.
 */
export async function sweepUndeliveredKeys(
  deps: DomainDeps,
  options: { ttlMs?: number; limit?: number } = {},
): Promise<Array<{ key: AccessKey; role: Role | undefined; rotatedFrom: string | null }>> {
  const cutoff = iso(new Date(deps.now().getTime() - (options.ttlMs ?? UNDELIVERED_TTL_MS)));
  const candidates = await deps.store.read.keys.listUndelivered(cutoff, options.limit ?? 100);
  const removed: Array<{ key: AccessKey; role: Role | undefined; rotatedFrom: string | null }> = [];
  for (const candidate of candidates) {
    const done = await deps.store.write(async (tx) => {
      const key = await tx.keys.findById(candidate.id);
      if (key === undefined || key.deliveredAt !== null) return undefined;
      const role = await tx.roles.findById(key.roleId);
      const predecessor = await tx.keys.findRotatedTo(key.id);
      await removeKey(
        tx,
        SYSTEM_ACTOR,
        'key.deleted_undelivered',
        key,
        role,
        { reason: 'secret_not_delivered', createdAt: key.createdAt, ...(predecessor === undefined ? {} : { rotatedFrom: predecessor.id }) },
        deps.now(),
      );
      // The owner's DM is queued with the deletion, so it exists exactly when the deletion does.
      await tx.notifications.enqueue(
        {
          kind: 'undelivered_key.dm',
          ownerId: key.ownerId,
          keyId: key.id,
          keyName: key.name,
          roleName: role?.name ?? null,
          rotatedFrom: predecessor?.id ?? null,
        },
        iso(deps.now()),
      );
      return { key, role, rotatedFrom: predecessor?.id ?? null };
    });
    if (done !== undefined) removed.push(done);
  }
  return removed;
}
