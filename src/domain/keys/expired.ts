import { appendAudit, auditOf } from '../audit.js';
import { SYSTEM_ACTOR, type Role } from '../model.js';
import type { Repos } from '../ports.js';

/** A key reached its expiry: audited once, by the expiry check's transaction that marked it (docs/rules.md). */
export async function auditKeyExpired(
  tx: Repos,
  key: { id: string; name: string; ownerId: string; expiresAt: string | null },
  role: Pick<Role, 'name'> | undefined,
  now: Date,
): Promise<void> {
  await appendAudit(tx, auditOf(SYSTEM_ACTOR, 'key.expired', key, role), now);
}
