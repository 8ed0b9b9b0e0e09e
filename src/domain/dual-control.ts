import { appendAudit } from './audit.js';
import type { DomainDeps } from './deps.js';
import { SYSTEM_ADMIN_ROLE } from './model.js';
import type { ReadRepos, Repos } from './ports.js';
import { DAY_MS, iso } from './time.js';

/**
 * Second-admin confirmation of a sensitive change (SPEC §17, docs/admin-security.md): the first admin's
 * command records their agreement; the change happens when a second, different admin gives the same
 * command within a day. Where fewer admins exist than that needs, one is enough.
 */

/** How long a first agreement waits for a second one. */
export const DUAL_CONTROL_WINDOW_MS = DAY_MS;

export type DualControl =
  /** Enough distinct admins agreed: the caller makes the change now (their agreements are cleared). */
  | { go: true; approvers: string[] }
  /** This admin's agreement is recorded (or was already); more are needed. */
  | { go: false; approvers: string[]; required: number };

/** The System Admins other than `except`. */
export async function otherAdmins(tx: ReadRepos, except: string | undefined): Promise<string[]> {
  const role = await tx.roles.findByName(SYSTEM_ADMIN_ROLE);
  if (role === undefined) return [];
  return (await tx.memberships.memberIds(role.id)).filter((id) => id !== except);
}

/**
 * Records `actorId`'s agreement to `subject` in the caller's write transaction and says whether the
 * change may go ahead. `required`: distinct admins needed. Under the write lock, so two admins agreeing
 * at once still make one change.
 */
export async function agreeIn(
  tx: Repos,
  deps: DomainDeps,
  actorId: string,
  subject: { key: string; describe: string; ownerId: string },
  required: number,
): Promise<DualControl> {
  const now = deps.now();
  if (required <= 1) return { go: true, approvers: [actorId] };
  const since = iso(new Date(now.getTime() - DUAL_CONTROL_WINDOW_MS));
  // An agreement older than the window has lapsed.
  await tx.dualControl.forgetBefore(subject.key, since);
  const current = await tx.dualControl.approversOf(subject.key);
  if (!current.includes(actorId)) await tx.dualControl.record(subject.key, actorId, iso(now));
  const approvers = current.includes(actorId) ? current : [...current, actorId];
  if (approvers.length >= required) {
    await tx.dualControl.clear(subject.key);
    return { go: true, approvers };
  }
  if (!current.includes(actorId))
    await appendAudit(
      tx,
      {
        actorId,
        action: 'dual_control.recorded',
        ownerId: subject.ownerId,
        details: { subject: subject.describe, approvers: approvers.join(','), required },
      },
      now,
    );
  return { go: false, approvers, required };
}
