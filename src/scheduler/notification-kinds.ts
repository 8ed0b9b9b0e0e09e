import type { JobPorts } from '../domain/background.js';
import type { NotificationKind, NotificationMessage, NotificationOf } from '../domain/notifications.js';

/** What a preparer may look at: the jobs' read ports, the worker's clock and when the row was queued. */
export interface PrepareContext {
  /** Read afresh before each send, so a changed key or request is cancelled, not announced. */
  read: JobPorts['read'];
  now: Date;
  /** When the row was queued: the change it announces happened then. */
  queuedAt: string;
  /** STALE_KEY_AUTO_INACTIVE_AFTER, so a stale-key notice can say when the key will be made inactive. */
  staleKeyAutoInactiveAfterMs: number | undefined;
}

/** The message to send, or why there is nothing left to say (the row is then marked cancelled). */
export type Prepared<K extends NotificationKind> = { message: NotificationMessage<K> } | { cancel: string };

/** The names of the roles a requester holds now, as the approvers' card shows them. */
async function roleNamesOf(context: PrepareContext, userId: string): Promise<string[]> {
  return (await context.read.memberships.rolesOf(userId)).map((r) => r.name);
}

/** The scheduler's half of a kind: reads what is true now and turns the stored row into its message. */
export type Preparer<K extends NotificationKind> = (notification: NotificationOf<K>, context: PrepareContext) => Promise<Prepared<K>>;

/**
 * The scheduler's half of every notification kind, one entry each; the type demands an entry for every
 * kind of `notificationSchema` (the Slack half is `RENDER` in src/slack/outbound/notification-kinds.ts).
 */
export const PREPARE: { [K in NotificationKind]: Preparer<K> } = {
  'request.decision_dm': async (n, context) => {
    const request = await context.read.accessRequests.find(n.requestId);
    return request === undefined ? { cancel: 'request_gone' } : { message: { kind: n.kind, request } };
  },
  'request.card_update': async (n, context) => {
    const request = await context.read.accessRequests.find(n.requestId);
    if (request === undefined) return { cancel: 'request_gone' };
    const roleNames = await roleNamesOf(context, request.userId);
    return { message: { kind: n.kind, request, roleNames, channel: n.channel, ts: n.ts } };
  },
  'request.reminder': async (n, context) => {
    const request = await context.read.accessRequests.find(n.requestId);
    if (request === undefined) return { cancel: 'request_gone' };
    if (request.status !== 'pending') return { cancel: `request_${request.status}` };
    const roleNames = await roleNamesOf(context, request.userId);
    return { message: { kind: n.kind, request, roleNames, ageMs: context.now.getTime() - Date.parse(request.createdAt) } };
  },
  'keys_deleted.dm': async (n) => ({ message: n }),
  'stale_key.notice': async (n, context) => {
    const key = await context.read.keys.findById(n.keyId);
    if (key === undefined) return { cancel: 'key_deleted' };
    if (key.status !== 'active') return { cancel: 'key_inactive' };
    if (key.lastUsedAt !== null && key.lastUsedAt > n.clockFrom) return { cancel: 'key_used' };
    const role = await context.read.roles.findById(key.roleId);
    const auto = context.staleKeyAutoInactiveAfterMs;
    return {
      message: {
        kind: n.kind,
        key,
        roleName: role?.name ?? null,
        unusedSince: n.clockFrom,
        autoInactiveAt: auto === undefined ? null : new Date(Date.parse(context.queuedAt) + auto).toISOString(),
        now: context.now.toISOString(),
      },
    };
  },
  'stale_key.inactivated_dm': async (n) => ({ message: n }),
  'secret_file.delete': async (n) => ({ message: n }),
  'key_api.owner_dm': async ({ kind, ...notice }, context) => ({ message: { kind, notice: { ...notice, at: context.queuedAt } } }),
  'undelivered_key.dm': async ({ kind, ...notice }) => ({ message: { kind, notice } }),
  'key_network.outside_dm': async ({ kind, ...notice }) => ({ message: { kind, notice } }),
  'key_compromised.owner_dm': async (n, context) => {
    // Shown with the key's state now (and Rotate); gone or made active again by an admin: nothing left to tell.
    const key = await context.read.keys.findById(n.keyId);
    if (key === undefined) return { cancel: 'key_deleted' };
    if (key.status !== 'compromised') return { cancel: 'key_no_longer_compromised' };
    return {
      message: {
        kind: n.kind,
        key,
        role: await context.read.roles.findById(key.roleId),
        reporterId: n.reporterId,
        now: context.now.toISOString(),
      },
    };
  },
  'offboarding.card': async (n, context) => {
    const offboarding = await context.read.offboardings.find(n.offboardingId);
    return offboarding === undefined ? { cancel: 'offboarding_gone' } : { message: { kind: n.kind, offboarding } };
  },
  'offboarding.card_update': async (n, context) => {
    const offboarding = await context.read.offboardings.find(n.offboardingId);
    if (offboarding === undefined) return { cancel: 'offboarding_gone' };
    return { message: { kind: n.kind, offboarding, channel: n.channel, ts: n.ts } };
  },
  'key.transferred_dm': async (n) => ({ message: n }),
  'review.key_dm': async (n, context) => {
    const campaign = await context.read.reviews.findCampaign(n.campaignId);
    const item = await context.read.reviews.findItem(n.campaignId, n.keyId);
    if (campaign === undefined || item === undefined) return { cancel: 'review_gone' };
    if (campaign.closedAt !== null || item.decision !== null) return { cancel: 'review_answered' };
    const key = await context.read.keys.findById(n.keyId);
    if (key === undefined) return { cancel: 'key_deleted' };
    return { message: { kind: n.kind, campaign, item, key, now: context.now.toISOString() } };
  },
  'review.reminder': async (n, context) => {
    const campaign = await context.read.reviews.findCampaign(n.campaignId);
    if (campaign === undefined || campaign.closedAt !== null) return { cancel: 'review_closed' };
    const open = await context.read.reviews.openItemsOf(n.campaignId, n.ownerId);
    if (open.length === 0) return { cancel: 'review_answered' };
    return { message: { kind: n.kind, campaign, ownerId: n.ownerId, open } };
  },
  // The thread reply names no key: it is said whatever became of the key since.
  'key_leak.thread_reply': async ({ kind, ...reply }) => ({ message: { kind, ...reply } }),
  'key_leak.dm': async ({ kind, keyId, ...notice }, context) => {
    const key = await context.read.keys.findById(keyId);
    if (key === undefined) return { cancel: 'key_deleted' };
    return { message: { kind, ...notice, key, role: await context.read.roles.findById(key.roleId), now: context.now.toISOString() } };
  },
  'key_leak.card': async (n, context) => {
    // The card shows the count and decision as they are when it is sent (updates in between are folded in).
    const [key, leak] = await Promise.all([context.read.keys.findById(n.keyId), context.read.leaks.find(n.keyId)]);
    if (key === undefined || leak === undefined) return { cancel: 'key_deleted' };
    return { message: { kind: n.kind, key, leak, role: await context.read.roles.findById(key.roleId), now: context.now.toISOString() } };
  },
  'usage.anomaly': async ({ kind, keyId, ...notice }, context) => {
    // Told with the key as it is now; a key deleted since has nothing left to look at.
    const key = await context.read.keys.findById(keyId);
    if (key === undefined) return { cancel: 'key_deleted' };
    return { message: { kind, ...notice, key, role: await context.read.roles.findById(key.roleId), now: context.now.toISOString() } };
  },
  'rotation.grace_question': async ({ kind, keyId, ...notice }, context) => {
    // Asked only while the question is still open: deleted, already expired or decided keys are not asked.
    const key = await context.read.keys.findById(keyId);
    if (key === undefined) return { cancel: 'key_deleted' };
    if (key.expiresAt === null || Date.parse(key.expiresAt) <= context.now.getTime()) return { cancel: 'grace_over' };
    // Made inactive, revoked or compromised meanwhile: there is no grace left to decide.
    if (key.status !== 'active') return { cancel: 'key_inactive' };
    return { message: { kind, ...notice, key, role: await context.read.roles.findById(key.roleId), now: context.now.toISOString() } };
  },
};

/** Prepares any kind through its entry. */
export function prepareNotification<K extends NotificationKind>(
  notification: NotificationOf<K>,
  context: PrepareContext,
): Promise<Prepared<K>> {
  const prepare: Preparer<K> = PREPARE[notification.kind];
  return prepare(notification, context);
}
