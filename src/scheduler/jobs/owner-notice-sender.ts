import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay } from '../../domain/delivery.js';
import type { OwnerNoticeDm, OwnerNoticeQueue, QueuedOwnerNotice } from '../../domain/owner-notices.js';
import type { Logger } from '../../logger.js';

export interface OwnerNoticeSenderTuning {
  /** Longer than a whole batch can take at worst, so no other replica repeats a notice mid-batch. */
  leaseMs: number;
  batchSize: number;
  /** Pause between two DMs (Slack's workspace-wide limit for chat.postMessage). */
  spacingMs: number;
  /** Refusals (user_not_found, cannot_dm_bot, …) charged to one notice before it is parked. */
  maxAttempts: number;
  retryDelaysMs: number[];
  /** Waits after consecutive 5xx / network failures. */
  unavailableBackoffMs: number[];
  /** Retry interval while the token is revoked or a scope is missing. */
  blockedRetryMs: number;
  /** Pause when nothing is queued (other replicas queue too; retries come due). */
  idlePollMs: number;
}

export const DEFAULT_OWNER_NOTICE_TUNING: OwnerNoticeSenderTuning = {
  leaseMs: 10 * 60 * 1000,
  batchSize: 20,
  spacingMs: 250,
  maxAttempts: 5,
  retryDelaysMs: [60_000, 5 * 60_000, 30 * 60_000, 2 * 60 * 60_000],
  unavailableBackoffMs: [1000, 2000, 5000, 10_000, 30_000, 60_000],
  blockedRetryMs: 5 * 60_000,
  // Cheap (one indexed query); keeps the DM within a couple of seconds of the change.
  idlePollMs: 2_000,
};

export interface OwnerNoticeSenderInput {
  queue: OwnerNoticeQueue;
  dm: OwnerNoticeDm;
  /** Real elapsed time for leases and retry times (these rows are about Slack, not about key expiry). */
  now: () => Date;
  logger: Logger;
  tuning?: Partial<OwnerNoticeSenderTuning>;
}

export interface OwnerNoticeSender {
  /** Sends one claimed batch; resolves to how long to pause before the next call. */
  tick(signal?: AbortSignal): Promise<number>;
}

/**
 * Delivers the owner DMs the key API queued with its changes (docs/http-api.md, "Prisma-compatible key API"). Each notice is leased, sent and
 * marked sent at once, so a crash repeats at most the one DM in flight (after its lease). Rate limits and
 * outages pause the sender without charging the notices; Slack refusing one notice charges only it.
 */
export function createOwnerNoticeSender(input: OwnerNoticeSenderInput): OwnerNoticeSender {
  const tuning: OwnerNoticeSenderTuning = { ...DEFAULT_OWNER_NOTICE_TUNING, ...input.tuning };
  const { queue, logger: log } = input;
  let holdUntil = 0;
  let failures = 0;
  let blocked = false;
  const hold = (ms: number): number => {
    holdUntil = performance.now() + ms;
    return ms;
  };

  async function deliver(item: QueuedOwnerNotice): Promise<'sent' | 'failed' | { pauseMs: number }> {
    const outcome = await input.dm.send(item);
    switch (outcome.kind) {
      case 'posted':
        await queue.markSent(item.id, outcome, input.now());
        if (failures > 0 || blocked) log.info('owner notices flowing again', { after: blocked ? 'blocked' : 'unavailable' });
        failures = 0;
        blocked = false;
        return 'sent';
      case 'rate_limited':
        log.warn('owner notice DM rate limited by Slack; pausing', { retryAfterMs: outcome.retryAfterMs });
        return { pauseMs: hold(outcome.retryAfterMs) };
      case 'unavailable':
        failures += 1;
        log.warn('Slack unavailable for owner notices; backing off', { error: outcome.error, failures });
        return { pauseMs: hold(backoffDelay(tuning.unavailableBackoffMs, failures)) };
      case 'blocked':
        if (!blocked) log.error('ALERT owner notices cannot be delivered until an operator acts (token or scopes)', { alert: 'owner_notices_blocked', error: outcome.error });
        blocked = true;
        return { pauseMs: hold(tuning.blockedRetryMs) };
      case 'rejected': {
        const attempts = item.attempts + 1;
        const park = attempts >= tuning.maxAttempts;
        await queue.recordFailure(item.id, { error: outcome.error, retryAt: park ? null : new Date(input.now().getTime() + backoffDelay(tuning.retryDelaysMs, attempts)) });
        if (park) log.error('ALERT owner notice parked after repeated refusals', { alert: 'owner_notice_parked', notice: item.id, keyId: item.keyId, error: outcome.error, attempts });
        else log.warn('owner notice refused by Slack; will retry', { notice: item.id, error: outcome.error, attempts });
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
        if (done === 'sent' && tuning.spacingMs > 0 && index < items.length - 1) await sleep(tuning.spacingMs, undefined, { signal }).catch(() => undefined);
      }
      return items.length === tuning.batchSize ? 0 : tuning.spacingMs;
    },
  };
}
