import type { NotificationKind, NotificationMessage } from '../../domain/notifications.js';
import { keyRow } from '../surfaces.js';
import { accessRequestCard, decisionDm } from '../views/approvals.js';
import type { Message } from '../views/blocks.js';
import {
  keyReportedCompromisedMessage,
  keysDeletedByRoleMessage,
  requestReminderMessage,
  staleKeyInactivatedMessage,
  staleKeyNoticeMessage,
} from '../views/notifications.js';
import { keyTransferredDm, offboardingCard } from '../views/offboarding.js';
import { ownerNoticeMessage } from '../views/owner-notice.js';
import { reviewKeyDm, reviewReminderDm } from '../views/reviews.js';
import { keyOutsideNetworkDm, undeliveredKeyDm } from '../views/undelivered.js';
import { leakCard, leakDm, leakThreadReply } from '../views/leaks.js';
import { isExpired } from '../../domain/time.js';
import { rotationGraceQuestion, usageAnomalyMessage } from '../views/usage.js';

/** What to say and where; `SlackNotificationChannel` makes the calls and classifies their errors. */
export type NotificationDelivery =
  | { dm: string; message: Message }
  /** A new message in the approvals channel. */
  | { approvals: Message }
  /** A message of the approvals or security channel replaced in place. */
  | { update: { channel: string; ts: string }; message: Message }
  | { deleteFile: string }
  /** A new message in the security channel (AUDIT_CHANNEL_ID). */
  | { security: Message }
  /** A reply in a message's thread. */
  | { thread: { channel: string; ts: string }; message: Message };

/** What a renderer may ask Slack while it words a message. */
export interface RenderContext {
  /** A link to a message (the archive link if Slack will not say). */
  permalink(channel: string, ts: string): Promise<string>;
}

/** The Slack half of a kind: words its message (src/slack/views/) and names where it goes. */
export type Renderer<K extends NotificationKind> = (
  message: NotificationMessage<K>,
  slack: RenderContext,
) => NotificationDelivery | Promise<NotificationDelivery>;

/**
 * The Slack half of every notification kind, one entry each; the type demands an entry for every kind
 * of `notificationSchema` (the scheduler's half is `PREPARE` in src/scheduler/notification-kinds.ts).
 */
export const RENDER: { [K in NotificationKind]: Renderer<K> } = {
  'request.decision_dm': (m) => ({ dm: m.request.userId, message: decisionDm(m.request) }),
  'request.card_update': (m) => ({ update: { channel: m.channel, ts: m.ts }, message: accessRequestCard(m.request, m.roleNames) }),
  'request.reminder': async (m, slack) => {
    const { cardChannel, cardTs } = m.request;
    const link = cardChannel !== null && cardTs !== null ? await slack.permalink(cardChannel, cardTs) : null;
    return { approvals: requestReminderMessage(m.request, m.roleNames, m.ageMs, link) };
  },
  'keys_deleted.dm': (m) => ({ dm: m.ownerId, message: keysDeletedByRoleMessage(m.cause, m.roleName, m.keys) }),
  'stale_key.notice': (m) => {
    const row = keyRow(m.key, m.roleName === null ? undefined : { name: m.roleName }, new Date(m.now));
    return { dm: m.key.ownerId, message: staleKeyNoticeMessage(row, m.unusedSince, m.autoInactiveAt) };
  },
  'stale_key.inactivated_dm': (m) => ({ dm: m.ownerId, message: staleKeyInactivatedMessage(m.keyId, m.keyName) }),
  'secret_file.delete': (m) => ({ deleteFile: m.fileId }),
  'key_api.owner_dm': (m) => ({ dm: m.notice.ownerId, message: ownerNoticeMessage(m.notice) }),
  'undelivered_key.dm': (m) => ({ dm: m.notice.ownerId, message: undeliveredKeyDm(m.notice) }),
  'key_network.outside_dm': (m) => ({ dm: m.notice.ownerId, message: keyOutsideNetworkDm(m.notice) }),
  'key_compromised.owner_dm': (m) => ({
    dm: m.key.ownerId,
    message: keyReportedCompromisedMessage(keyRow(m.key, m.role, new Date(m.now)), m.reporterId),
  }),
  'offboarding.card': (m) => ({ security: offboardingCard(m.offboarding) }),
  'offboarding.card_update': (m) => ({ update: { channel: m.channel, ts: m.ts }, message: offboardingCard(m.offboarding) }),
  'key.transferred_dm': (m) => ({ dm: m.recipientId, message: keyTransferredDm(m) }),
  'review.key_dm': (m) => ({ dm: m.key.ownerId, message: reviewKeyDm(m.campaign, m.item, m.key) }),
  'review.reminder': (m) => ({ dm: m.ownerId, message: reviewReminderDm(m.campaign, m.open) }),
  'key_leak.thread_reply': (m) => ({ thread: { channel: m.channel, ts: m.ts }, message: leakThreadReply(m.inactivated) }),
  'key_leak.dm': (m) => ({
    dm: m.userId,
    message: leakDm(keyRow(m.key, m.role, new Date(m.now)), m.to, m.source, m.location, m.inactivated),
  }),
  // The first send posts the card; later ones update it where it was posted.
  'key_leak.card': (m) => {
    const message = leakCard(m.key, m.role, m.leak, isExpired(m.key, new Date(m.now)));
    const { cardChannel, cardTs } = m.leak;
    return cardChannel !== null && cardTs !== null ? { update: { channel: cardChannel, ts: cardTs }, message } : { security: message };
  },
  'rotation.grace_question': (m) => ({
    dm: m.key.ownerId,
    message: rotationGraceQuestion(keyRow(m.key, m.role, new Date(m.now)), m.previousExpiresAt, m.usesSinceRotation),
  }),
  'usage.anomaly': (m) => ({
    dm: m.key.ownerId,
    message: usageAnomalyMessage(keyRow(m.key, m.role, new Date(m.now)), m.anomaly, m.detail),
  }),
};

/** Renders any kind through its entry. */
export function renderNotification<K extends NotificationKind>(
  message: NotificationMessage<K>,
  slack: RenderContext,
): NotificationDelivery | Promise<NotificationDelivery> {
  const render: Renderer<K> = RENDER[message.kind];
  return render(message, slack);
}
