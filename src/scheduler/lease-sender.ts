import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay, type DeliveryOutcome } from '../domain/delivery.js';
import type { Logger } from '../logger.js';

/** The pacing every outbox sender shares; each queue adds its own retry and parking rules. */
export interface LeaseSenderTuning {
  /** How long claimed rows belong to this sender; longer than a whole batch can take, so no replica repeats them. */
  leaseMs: number;
  batchSize: number;
  /** Pause between two sends (Slack's per-channel and workspace-wide pace for chat.postMessage). */
  spacingMs: number;
  /** Waits after consecutive 5xx / network failures. */
  unavailableBackoffMs: number[];
  /** Retry interval while the token is revoked or the app lacks a scope or a channel. */
  blockedRetryMs: number;
  /** Pause when nothing is queued (other replicas may queue, and retries come due). */
  idlePollMs: number;
}

/**
 * What sending one row came to. `sent`, `cancelled` and `failed` (refused and charged by the queue's own
 * rules) let the batch go on; an outage, a rate limit or a blocked token pause the whole sender, and the
 * row is handed back uncharged.
 */
export type SendStep = 'sent' | 'cancelled' | 'failed' | Extract<DeliveryOutcome, { kind: 'rate_limited' | 'unavailable' | 'blocked' }>;

/** A queue whose rows are claimed for a while (the lease) and handed back when a send cannot go on. */
export interface LeasedQueue<Item> {
  claim(request: { now: Date; leaseMs: number; maxItems: number }): Promise<Item[]>;
  release(ids: readonly string[]): Promise<void>;
}

export interface LeaseSenderInput<Item extends { id: string }> {
  /** What the log lines call the rows ("expiry warnings", "notifications"). */
  name: string;
  /** The operator alert logged once when Slack blocks every send. */
  blockedAlert: string;
  /** The leased queue (the `expiryWarnings` or `notifications` port). */
  queue: LeasedQueue<Item>;
  /** Re-checks, sends and marks one row (or charges a refusal); never throws for a Slack answer. */
  deliver(item: Item): Promise<SendStep>;
  now: () => Date;
  logger: Logger;
  tuning: LeaseSenderTuning;
}

export interface LeaseSender {
  /** Sends one claimed batch; resolves to how long to pause before the next call. */
  tick(signal?: AbortSignal): Promise<number>;
}

/**
 * One loop for every user-facing outbox: claim a leased batch, send row by row at Slack's pace, and
 * pause without charging anyone when Slack is down, rate limited or refuses the token. Holds are kept
 * in monotonic time, so neither a wake-up nor a wall-clock jump shortens a Retry-After.
 */
export function createLeaseSender<Item extends { id: string }>(input: LeaseSenderInput<Item>): LeaseSender {
  const { tuning, logger: log, name } = input;
  let holdUntil = 0;
  let failures = 0;
  let blocked = false;
  const hold = (ms: number): number => {
    holdUntil = performance.now() + ms;
    return ms;
  };

  /** The pause a step asks for, or undefined to go on with the batch. */
  function pauseFor(step: SendStep): number | undefined {
    if (typeof step === 'string') {
      if (step === 'sent' && (failures > 0 || blocked)) log.info(`${name} flowing again`, { after: blocked ? 'blocked' : 'unavailable' });
      if (step === 'sent') {
        failures = 0;
        blocked = false;
      }
      return undefined;
    }
    switch (step.kind) {
      case 'rate_limited':
        log.warn(`${name} rate limited by Slack; pausing`, { retryAfterMs: step.retryAfterMs });
        return hold(step.retryAfterMs);
      case 'unavailable':
        failures += 1;
        log.warn(`Slack unavailable for ${name}; backing off`, { error: step.error, failures });
        return hold(backoffDelay(tuning.unavailableBackoffMs, failures));
      case 'blocked':
        if (!blocked)
          log.error(`ALERT ${name} cannot be delivered until an operator acts (token, scopes or channel)`, {
            alert: input.blockedAlert,
            error: step.error,
          });
        blocked = true;
        return hold(tuning.blockedRetryMs);
    }
  }

  return {
    async tick(signal?: AbortSignal): Promise<number> {
      const held = holdUntil - performance.now();
      if (held > 0) return held;
      const items = await input.queue.claim({ now: input.now(), leaseMs: tuning.leaseMs, maxItems: tuning.batchSize });
      if (items.length === 0) return tuning.idlePollMs;
      for (const [index, item] of items.entries()) {
        // Stopping hands the rest back at once instead of letting their lease run out.
        if (signal?.aborted === true) {
          await input.queue.release(items.slice(index).map((i) => i.id));
          return 0;
        }
        const step = await input.deliver(item);
        const pause = pauseFor(step);
        if (pause !== undefined) {
          // The row that met the outage keeps its place (handed back, not charged), and so do the rest.
          await input.queue.release(items.slice(index).map((i) => i.id));
          return pause;
        }
        if (step === 'sent' && tuning.spacingMs > 0 && index < items.length - 1) {
          // The only rejection is the abort of a stop(): the loop then ends at its next check, nothing is lost.
          await sleep(tuning.spacingMs, undefined, { signal }).catch(() => undefined);
        }
      }
      return items.length === tuning.batchSize ? 0 : tuning.spacingMs;
    },
  };
}

/** How a queue charges refusals: the back-off between retries, and when a row is parked for an operator. */
export interface RefusalRules {
  maxAttempts: number;
  retryDelaysMs: number[];
}

/**
 * Charges one refusal (Slack refused this content) to a row: due again after the back-off, or parked
 * (`retryAt: null`) once it has used up `maxAttempts`. Says whether it was parked, so the caller alerts.
 */
export async function chargeRefusal(
  record: (retryAt: Date | null) => Promise<void>,
  attempts: number,
  rules: RefusalRules,
  now: Date,
): Promise<boolean> {
  const park = attempts >= rules.maxAttempts;
  await record(park ? null : new Date(now.getTime() + backoffDelay(rules.retryDelaysMs, attempts)));
  return park;
}
