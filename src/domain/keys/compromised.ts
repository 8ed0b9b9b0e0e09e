import { appendAudit, auditOf } from '../audit.js';
import type { DomainDeps } from '../deps.js';
import type { AccessKey, AuditAction, Role } from '../model.js';
import type { Repos } from '../ports.js';
import { isExpired, iso } from '../time.js';
import { changeKey, type KeyChange } from './change.js';

/**
 * The one way a key becomes compromised, inside the caller's audited transaction: refused from this
 * instant, only an admin can make it active again. A person's report (`key.reported_compromised`) and
 * the leak response (`key.leaked`, keys/leaked.ts) both go through here with their own record.
 */
export async function markKeyCompromised(
  tx: Repos,
  deps: DomainDeps,
  actorId: string,
  key: AccessKey,
  role: Role | undefined,
  record: { action: AuditAction; details: Record<string, string | number | boolean | null> },
): Promise<AccessKey> {
  const updated: AccessKey = { ...key, status: 'compromised' };
  await tx.keys.update(key.id, { status: 'compromised' });
  await appendAudit(
    tx,
    auditOf(actorId, record.action, updated, role, {
      previousStatus: key.status,
      lastUsedAt: key.lastUsedAt,
      lastUsedFrom: key.lastUsedIp,
      expired: isExpired(key, deps.now()),
      ...record.details,
    }),
    deps.now(),
  );
  return updated;
}

/**
 * docs/usage.md, "Security-team controls", report compromised: the key is refused from this instant (only an admin can make it
 * active again), and the audit record is queued with priority for the security channel. The owner
 * or any admin may report it. Reporting twice changes nothing more.
 */
export async function reportCompromised(deps: DomainDeps, actorId: string, reference: string): Promise<KeyChange> {
  return changeKey(deps, actorId, reference, async (tx, _ctx, key, role) => {
    if (key.status === 'compromised') return { key, role, changed: false };
    const updated = await markKeyCompromised(tx, deps, actorId, key, role, { action: 'key.reported_compromised', details: {} });
    // An admin reported someone else's key: its owner is the one who can rotate it, so they are told.
    if (actorId !== key.ownerId)
      await tx.notifications.enqueue({ kind: 'key_compromised.owner_dm', keyId: key.id, reporterId: actorId }, iso(deps.now()));
    return { key: updated, role, changed: true };
  });
}
