import { AppError } from '../errors.js';
import { appendAudit, auditOf } from './audit.js';
import type { DomainDeps } from './deps.js';
import { iso } from './time.js';
import { userContext } from './users.js';

/** "Keep" on a stale-key notice: the owner vouches for the key; its stale clock restarts now (audited). */
export async function keepKey(deps: DomainDeps, actorId: string, keyId: string): Promise<{ id: string; name: string }> {
  await userContext(deps, actorId);
  return deps.store.write(async (tx) => {
    const key = await tx.keys.findById(keyId);
    if (key === undefined) throw new AppError('KEY_NOT_FOUND', 'That key no longer exists.');
    if (key.ownerId !== actorId) throw new AppError('KEY_NOT_FOUND', 'That key no longer exists.');
    const now = deps.now();
    await tx.keys.markKept(key.id, iso(now));
    const role = await tx.roles.findById(key.roleId);
    await appendAudit(tx, auditOf(actorId, 'key.kept', key, role, { lastUsedAt: key.lastUsedAt }), now);
    return { id: key.id, name: key.name };
  });
}
