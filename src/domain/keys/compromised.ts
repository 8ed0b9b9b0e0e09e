import { appendAudit, auditOf } from '../audit.js';
import type { DomainDeps } from '../deps.js';
import type { AccessKey } from '../model.js';
import { isExpired, iso } from '../time.js';
import { changeKey, type KeyChange } from './change.js';

/**
 * docs/usage.md, "Security-team controls", report compromised: the key is refused from this instant (only an admin can make it
 * active again), and the audit record is queued with priority for the security channel. The owner
 * or any admin may report it. Reporting twice changes nothing more.
 */
export async function reportCompromised(deps: DomainDeps, actorId: string, reference: string): Promise<KeyChange> {
  return changeKey(deps, actorId, reference, async (tx, _ctx, key, role) => {
    if (key.status === 'compromised') return { key, role, changed: false };
    const updated: AccessKey = { ...key, status: 'compromised' };
    await tx.keys.update(key.id, { status: 'compromised' });
    await appendAudit(
      tx,
      auditOf(actorId, 'key.reported_compromised', updated, role, {
        previousStatus: key.status,
        lastUsedAt: key.lastUsedAt,
        lastUsedFrom: key.lastUsedIp,
        expired: isExpired(key, deps.now()),
      }),
      deps.now(),
    );
    // An admin reported someone else's key: its owner is the one who can rotate it, so they are told.
    if (actorId !== key.ownerId)
      await tx.notifications.enqueue({ kind: 'key_compromised.owner_dm', keyId: key.id, reporterId: actorId }, iso(deps.now()));
    return { key: updated, role, changed: true };
  });
}
