import { backoffDelay, type DeliveryOutcome } from '../../domain/delivery.js';
import type { NotificationChannel, QueuedNotification } from '../../domain/notifications.js';
import type { Logger } from '../../logger.js';
import type { JobContext } from '../job-context.js';
import {
  chargeRefusal,
  createLeaseSender,
  type LeaseSender,
  type LeaseSenderTuning,
  type RefusalRules,
  type SendStep,
} from '../lease-sender.js';
import { DEFAULT_BACKOFF } from '../delivery-backoff.js';
import { prepareNotification } from '../notification-kinds.js';

/** `maxAttempts`: refusals charged to one notification before it is parked (a secret file's deletion never is). */
export interface NotificationSenderTuning extends LeaseSenderTuning, RefusalRules {}

export const DEFAULT_NOTIFICATION_TUNING: NotificationSenderTuning = {
  leaseMs: 5 * 60 * 1000,
  batchSize: 10,
  spacingMs: 100,
  maxAttempts: 5,
  retryDelaysMs: [30_000, 2 * 60_000, 10 * 60_000, 60 * 60_000],
  ...DEFAULT_BACKOFF,
  idlePollMs: 2000,
};

/** `ports`: the outbox, the lookups before each send and the clock; `services.background`: a deleted file's audit. */
export interface NotificationSenderInput extends JobContext {
  channel: NotificationChannel;
  logger: Logger;
  /** STALE_KEY_AUTO_INACTIVE_AFTER, so a stale-key notice can say when the key will be made inactive. */
  staleKeyAutoInactiveAfterMs?: number;
  tuning?: Partial<NotificationSenderTuning>;
}

export type NotificationSender = LeaseSender;

/**
 * Delivers the notification outbox. Each row is leased, looked up afresh (a decided request's reminder,
 * or a stale notice for a key already made inactive, is cancelled rather than sent), sent, and marked
 * sent at once: a crash costs at most the one message in flight. Rate limits and outages pause the
 * sender without charging rows; refusals are charged and park the row after `maxAttempts`.
 */
export function createNotificationSender(input: NotificationSenderInput): NotificationSender {
  const tuning: NotificationSenderTuning = { ...DEFAULT_NOTIFICATION_TUNING, ...input.tuning };
  const { ports, logger: log } = input;
  const queue = ports.notifications;

  async function deliver(item: QueuedNotification): Promise<SendStep> {
    const now = ports.now();
    const n = item.notification;
    if (n === undefined) {
      await queue.recordFailure(item.id, { error: item.unreadable ?? 'unreadable notification', retryAt: null }, now);
      log.error('ALERT notification parked: its stored payload is unreadable', {
        alert: 'notification_parked',
        notification: item.id,
        error: item.unreadable,
      });
      return 'failed';
    }
    const resolved = await prepareNotification(n, {
      read: ports.read,
      now,
      queuedAt: item.createdAt,
      staleKeyAutoInactiveAfterMs: input.staleKeyAutoInactiveAfterMs,
    });
    if ('cancel' in resolved) {
      await queue.complete(item.id, 'cancelled', now, resolved.cancel);
      return 'cancelled';
    }
    const outcome: DeliveryOutcome | { kind: 'gone' } = await input.channel.send(resolved.message);
    if (outcome.kind === 'posted' || outcome.kind === 'gone') {
      if (n.kind === 'secret_file.delete') await input.services.background.recordSecretFileDeleted(n, outcome.kind === 'gone');
      if (resolved.message.kind === 'key_leak.card') {
        const { leak } = resolved.message;
        const card = outcome.kind === 'posted' && outcome.ts !== '' ? { channel: outcome.channelId, ts: outcome.ts } : null;
        await input.services.background.recordLeakCard(leak.keyId, card, { sightings: leak.sightings, resolution: leak.resolution });
      }
      await queue.complete(item.id, 'sent', ports.now(), outcome.kind === 'gone' ? 'already_gone' : undefined);
      return 'sent';
    }
    if (outcome.kind === 'rate_limited') return outcome;
    const attempts = item.attempts + 1;
    if (n.kind === 'secret_file.delete') {
      // The CSV holds a secret: its deletion is never given up. Every failure counts, and once it keeps
      // failing an operator is alerted (and again each further `maxAttempts`), while retries go on.
      const retryAt = new Date(now.getTime() + backoffDelay(tuning.retryDelaysMs, attempts));
      await queue.recordFailure(item.id, { error: outcome.error, retryAt }, now);
      if (attempts % tuning.maxAttempts === 0) {
        log.error('ALERT a secret file could not be deleted from Slack; still retrying', {
          alert: 'secret_file_delete_failing',
          fileId: n.fileId,
          keyId: n.keyId,
          error: outcome.error,
          attempts,
        });
      } else log.warn('secret file deletion failed; will retry', { fileId: n.fileId, error: outcome.error, attempts });
      if (outcome.kind === 'rejected') return 'failed';
    }
    if (outcome.kind !== 'rejected') return outcome;
    const park = await chargeRefusal(
      (retryAt) => queue.recordFailure(item.id, { error: outcome.error, retryAt }, now),
      attempts,
      tuning,
      now,
    );
    if (park)
      log.error('ALERT notification parked after repeated refusals', {
        alert: 'notification_parked',
        notification: item.id,
        kind: n.kind,
        error: outcome.error,
        attempts,
      });
    else log.warn('notification refused by Slack; will retry', { notification: item.id, kind: n.kind, error: outcome.error, attempts });
    return 'failed';
  }

  return createLeaseSender({
    name: 'notifications',
    blockedAlert: 'notifications_blocked',
    queue,
    deliver,
    now: ports.now,
    logger: log,
    tuning,
  });
}
