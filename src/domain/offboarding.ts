import { appendAudit, auditOf } from './audit.js';
import type { DomainDeps } from './deps.js';
import { SYSTEM_ACTOR } from './model.js';
import { firstTime } from './replays.js';
import { requireAdminIn } from './users.js';

/** How an offboarding was asked for, recorded in each key's audit record. */
export interface OffboardOptions {
  /** The request that asked (a workflow step's execution id); a replay of it changes nothing. */
  once?: string;
  /** Where it came from, e.g. `workflow_step`; kept in the audit details. */
  source?: string;
}

/**
 * SPEC §13: a person leaves, so every active key of theirs becomes inactive at once, each change audited
 * (`key.inactivated_offboarding`) in the same transaction. A person acting needs System Admin; the
 * system (a workflow step, a deactivated account) needs nobody's permission. Keys already inactive stay as
 * they are, so running it twice changes nothing the second time.
 */
export async function offboardPerson(
  deps: DomainDeps,
  actorId: string,
  userId: string,
  options: OffboardOptions = {},
): Promise<{ count: number }> {
  return deps.store.write(async (tx) => {
    if (actorId !== SYSTEM_ACTOR) await requireAdminIn(tx, deps, actorId);
    if (!(await firstTime(tx, deps, actorId, options.once))) return { count: 0 };
    const now = deps.now();
    let count = 0;
    for (const key of await tx.keys.list({ ownerId: userId })) {
      if (key.status !== 'active') continue;
      await tx.keys.update(key.id, { status: 'inactive' });
      const details: Record<string, string> = options.source === undefined ? {} : { source: options.source };
      await appendAudit(tx, auditOf(actorId, 'key.inactivated_offboarding', key, await tx.roles.findById(key.roleId), details), now);
      count += 1;
    }
    return { count };
  });
}
