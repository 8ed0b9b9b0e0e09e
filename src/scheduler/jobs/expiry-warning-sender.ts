import { expiryThresholds, reasonToCancel } from '../../domain/expiry.js';
import type { QueuedWarning, WarningDm } from '../../domain/expiry-ports.js';
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

/** `maxAttempts`: refusals charged to one warning (user_not_found, …) before it is parked. */
export interface WarningSenderTuning extends LeaseSenderTuning, RefusalRules {}

export const DEFAULT_SENDER_TUNING: WarningSenderTuning = {
  // Longer than a whole batch can take at worst (20 DMs × two Slack calls × 10 s timeout + spacing ≈
  // 7 min): a lease that runs out mid-batch would let another replica send the same warnings again.
  leaseMs: 10 * 60 * 1000,
  batchSize: 20,
  spacingMs: 250,
  maxAttempts: 5,
  retryDelaysMs: [60_000, 5 * 60_000, 30 * 60_000, 2 * 60 * 60_000],
  ...DEFAULT_BACKOFF,
  idlePollMs: 30_000,
};

/** `ports`: the warning queue, the key lookups and the clock. */
export interface WarningSenderInput extends Pick<JobContext, 'ports'> {
  dm: WarningDm;
  warningDays: readonly number[];
  logger: Logger;
  tuning?: Partial<WarningSenderTuning>;
}

export type WarningSender = LeaseSender;

/**
 * Delivers the DMs the expiry check queued. Each warning is leased, re-checked against the key (nothing
 * for deleted, extended or superseded ones), sent, and marked sent right away: a crash costs at most the
 * one DM in flight, which the next sender repeats after the lease. Rate limits and outages pause the
 * sender without charging the warnings.
 */
export function createWarningSender(input: WarningSenderInput): WarningSender {
  const tuning: WarningSenderTuning = { ...DEFAULT_SENDER_TUNING, ...input.tuning };
  const thresholds = expiryThresholds(input.warningDays);
  const { ports } = input;
  const queue = ports.expiryWarnings;
  const log = input.logger;

  async function deliver(item: QueuedWarning): Promise<SendStep> {
    const now = ports.now();
    const key = await ports.read.keys.findById(item.keyId);
    const threshold = thresholds.find((t) => t.id === item.threshold);
    if (key === undefined || key.expiresAt === null || threshold === undefined) {
      // Deleted, made never-expiring, or a threshold no longer configured (EXPIRY_WARNING_DAYS changed).
      await queue.cancel(
        item.id,
        key === undefined ? 'key_deleted' : key.expiresAt === null ? 'expiry_changed' : 'threshold_not_configured',
        now,
      );
      return 'cancelled';
    }
    const cancel = reasonToCancel(item, { expiresAt: key.expiresAt, status: key.status }, now, thresholds);
    if (cancel !== undefined) {
      await queue.cancel(item.id, cancel, now);
      return 'cancelled';
    }
    const role = await ports.read.roles.findById(key.roleId);
    const outcome = await input.dm.send({
      ownerId: key.ownerId,
      keyId: key.id,
      keyName: key.name,
      roleName: role?.name ?? null,
      expiresAt: key.expiresAt,
      threshold,
      now: now.toISOString(),
    });
    switch (outcome.kind) {
      case 'posted':
        await queue.markSent(item.id, outcome, ports.now());
        return 'sent';
      case 'rejected': {
        const attempts = item.attempts + 1;
        const park = await chargeRefusal(
          (retryAt) => queue.recordFailure(item.id, { error: outcome.error, retryAt }, now),
          attempts,
          tuning,
          now,
        );
        if (park)
          log.error('ALERT expiry warning parked after repeated refusals', {
            alert: 'expiry_warning_parked',
            warning: item.id,
            keyId: item.keyId,
            threshold: item.threshold,
            error: outcome.error,
            attempts,
          });
        else log.warn('expiry warning refused by Slack; will retry', { warning: item.id, error: outcome.error, attempts });
        return 'failed';
      }
      default:
        return outcome;
    }
  }

  return createLeaseSender({
    name: 'expiry warnings',
    blockedAlert: 'expiry_warnings_blocked',
    queue,
    deliver,
    now: ports.now,
    logger: log,
    tuning,
  });
}
