import { appendAudit } from './audit.js';
import type { DomainDeps } from './deps.js';
import type { AccessRequest } from './model.js';
import type { Repos } from './ports.js';
import { iso } from './time.js';

/**
 * The card shows the outcome in place and the requester gets a DM, through the notification outbox in
 * the deciding transaction: a Slack outage delays both and loses neither.
 */
export async function queueOutcomeNotices(
  tx: Repos,
  request: AccessRequest,
  at: string,
  card?: { channel?: string; ts?: string },
  dm = true,
): Promise<void> {
  const channel = request.cardChannel ?? card?.channel;
  const ts = request.cardTs ?? card?.ts;
  if (channel !== undefined && ts !== undefined)
    await tx.notifications.enqueue({ kind: 'request.card_update', requestId: request.id, channel, ts }, at);
  if (dm) await tx.notifications.enqueue({ kind: 'request.decision_dm', requestId: request.id }, at);
}

/** How access came other than by pressing Approve: shown on the card, kept in the audit record. */
const GRANTED_ELSEWHERE = {
  grant: 'API access was granted directly (`/accesskey admin grant`).',
  system_admin: 'Made a System Admin, which includes API access.',
} as const;

/**
 * Access given by any path decides every open request of that person in the same transaction: each is
 * approved by whoever gave it (audited), its card loses the buttons, and the person gets one DM. A later
 * press on the card finds it decided and changes nothing.
 */
export async function approveOpenRequestsIn(
  tx: Repos,
  deps: DomainDeps,
  userId: string,
  actorId: string,
  via: keyof typeof GRANTED_ELSEWHERE,
): Promise<AccessRequest[]> {
  const now = deps.now();
  const closed: AccessRequest[] = [];
  // Each pass decides the one it found, so the loop ends; there is normally one at most.
  for (let open = await tx.accessRequests.findPending(userId); open !== undefined; open = await tx.accessRequests.findPending(userId)) {
    const decided: AccessRequest = {
      ...open,
      status: 'approved',
      decidedAt: iso(now),
      decidedBy: actorId,
      decisionReason: GRANTED_ELSEWHERE[via],
    };
    await tx.accessRequests.update(open.id, {
      status: 'approved',
      decidedAt: decided.decidedAt,
      decidedBy: actorId,
      decisionReason: decided.decisionReason,
    });
    await appendAudit(tx, { actorId, action: 'api_access.approved', ownerId: userId, details: { requestId: open.id, via } }, now);
    await queueOutcomeNotices(tx, decided, iso(now), undefined, closed.length === 0);
    closed.push(decided);
  }
  return closed;
}
