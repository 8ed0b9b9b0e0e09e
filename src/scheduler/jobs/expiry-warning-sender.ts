import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay } from '../../domain/delivery.js';
import { expiryThresholds, reasonToCancel } from '../../domain/expiry.js';
import type { QueuedWarning, WarningDm } from '../../domain/expiry-ports.js';
import type { Store } from '../../domain/ports.js';
import type { Logger } from '../../logger.js';

export interface WarningSenderTuning {
  /** How long claimed warnings belong to this sender; a crash is recovered after it. */
  leaseMs: number;
  batchSize: number;
  /** Pause between two DMs (Slack's workspace-wide limit for chat.postMessage). */
  spacingMs: number;
  /** Attempts charged to one warning (user_not_found, …) before it is parked. */
  maxAttempts: number;
  retryDelaysMs: number[];
  /** Waits after consecutive 5xx / network failures. */
  unavailableBackoffMs: number[];
  /** Retry interval while the token is revoked or the app lacks a scope. */
  blockedRetryMs: number;
  /** Pause when nothing is queued (other replicas may queue, and retries come due). */
  idlePollMs: number;
}

export const DEFAULT_SENDER_TUNING: WarningSenderTuning = {
  // Longer than a whole batch can take at worst (20 DMs × two Slack calls × 10 s timeout + spacing ≈
  // 7 min): a lease that runs out mid-batch would let another replica send the same warnings again.
  leaseMs: 10 * 60 * 1000,
  batchSize: 20,
  spacingMs: 250,
  maxAttempts: 5,
  retryDelaysMs: [60_000, 5 * 60_000, 30 * 60_000, 2 * 60 * 60_000],
  unavailableBackoffMs: [1000, 2000, 5000, 10_000, 30_000, 60_000],
  blockedRetryMs: 5 * 60_000,
  idlePollMs: 30_000,
};

export interface WarningSenderInput {
  store: Store;
  now: () => Date;
  dm: WarningDm;
  warningDays: readonly number[];
  logger: Logger;
  tuning?: Partial<WarningSenderTuning>;
}

export interface WarningSender {
  /** Sends one claimed batch; resolves to how long to pause before the next call. */
  tick(signal?: AbortSignal): Promise<number>;
}

/**
 * Delivers the DMs the expiry check queued. Each warning is leased, re-checked against the key (nothing
 * for deleted, extended or superseded ones), sent, and marked sent right away: a crash costs at most the
 * one DM in flight, which the next sender repeats after the lease. Rate limits and outages pause the
 * sender without charging the warnings.
 */
export function createWarningSender(input: WarningSenderInput): WarningSender {
  const tuning: WarningSenderTuning = { ...DEFAULT_SENDER_TUNING, ...input.tuning };
  const thresholds = expiryThresholds(input.warningDays);
  const queue = input.store.expiryWarnings;
  const log = input.logger;
  // Holds are kept in monotonic time, so neither wake() nor a wall-clock jump shortens a Retry-After.
  let holdUntil = 0;
  let failures = 0;
  let blocked = false;

  const hold = (ms: number): number => {
    holdUntil = performance.now() + ms;
    return ms;
  };

  async function deliver(item: QueuedWarning): Promise<'sent' | 'cancelled' | 'failed' | { pauseMs: number }> {
    const now = input.now();
    const key = await input.store.read.keys.findById(item.keyId);
    const threshold = thresholds.find((t) => t.id === item.threshold);
    if (key === undefined || key.expiresAt === null || threshold === undefined) {
      // Deleted, made never-expiring, or a threshold no longer configured (EXPIRY_WARNING_DAYS changed).
      await queue.cancel(item.id, key === undefined ? 'key_deleted' : key.expiresAt === null ? 'expiry_changed' : 'threshold_not_configured', now);
      return 'cancelled';
    }
    const cancel = reasonToCancel(item, { expiresAt: key.expiresAt, status: key.status }, now, thresholds);
    if (cancel !== undefined) {
      await queue.cancel(item.id, cancel, now);
      return 'cancelled';
    }
    const role = await input.store.read.roles.findById(key.roleId);
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
        await queue.markSent(item.id, outcome, input.now());
        if (failures > 0 || blocked) log.info('expiry warnings flowing again', { after: blocked ? 'blocked' : 'unavailable' });
        failures = 0;
        blocked = false;
        return 'sent';
      case 'rate_limited':
        log.warn('expiry warning DM rate limited by Slack; pausing', { retryAfterMs: outcome.retryAfterMs });
        return { pauseMs: hold(outcome.retryAfterMs) };
      case 'unavailable':
        failures += 1;
        log.warn('Slack unavailable for expiry warnings; backing off', { error: outcome.error, failures });
        return { pauseMs: hold(backoffDelay(tuning.unavailableBackoffMs, failures)) };
      case 'blocked':
        if (!blocked) log.error('ALERT expiry warnings cannot be delivered until an operator acts (token or scopes)', { alert: 'expiry_warnings_blocked', error: outcome.error });
        blocked = true;
        return { pauseMs: hold(tuning.blockedRetryMs) };
      case 'rejected': {
        const attempts = item.attempts + 1;
        const park = attempts >= tuning.maxAttempts;
        await queue.recordFailure(item.id, { error: outcome.error, retryAt: park ? null : new Date(now.getTime() + backoffDelay(tuning.retryDelaysMs, attempts)) }, now);
        if (park) log.error('ALERT expiry warning parked after repeated refusals', { alert: 'expiry_warning_parked', warning: item.id, keyId: item.keyId, threshold: item.threshold, error: outcome.error, attempts });
        else log.warn('expiry warning refused by Slack; will retry', { warning: item.id, error: outcome.error, attempts });
        return 'failed';
      }
    }
  }

  return {
    async tick(signal?: AbortSignal): Promise<number> {
      const held = holdUntil - performance.now();
      if (held > 0) return held;
      const items = await queue.claim({ now: input.now(), leaseMs: tuning.leaseMs, maxItems: tuning.batchSize });
      if (items.length === 0) return tuning.idlePollMs;
      for (const [index, item] of items.entries()) {
        // Stopping or pausing hands the rest back at once instead of letting their lease run out.
        if (signal?.aborted === true) {
          await queue.release(items.slice(index).map((i) => i.id));
          return 0;
        }
        const done = await deliver(item);
        if (typeof done === 'object') {
          await queue.release(items.slice(index).map((i) => i.id));
          return done.pauseMs;
        }
        if (done === 'sent' && tuning.spacingMs > 0 && index < items.length - 1) {
          // The only rejection is the abort of a stop(): the loop then ends at its next check, nothing is lost.
          await sleep(tuning.spacingMs, undefined, { signal }).catch(() => undefined);
        }
      }
      return items.length === tuning.batchSize ? 0 : tuning.spacingMs;
    },
  };
}
