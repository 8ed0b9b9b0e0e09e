import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay } from '../domain/delivery.js';
import type { Logger } from '../logger.js';
import { createDeliveryBackoff, type Pause } from './delivery-backoff.js';

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
export type SendStep = 'sent' | 'cancelled' | 'failed' | Pause;

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
 * pause without charging anyone when Slack is down, rate limited or refuses the token (the shared
 * `createDeliveryBackoff`).
 */
export function createLeaseSender<Item extends { id: string }>(input: LeaseSenderInput<Item>): LeaseSender {
  const { tuning } = input;
  const backoff = createDeliveryBackoff({ ...tuning, name: input.name, blockedAlert: input.blockedAlert, logger: input.logger });

  /** The pause a step asks for, or undefined to go on with the batch. */
  function pauseFor(step: SendStep): number | undefined {
    if (typeof step !== 'string') return backoff.pause(step);
    if (step === 'sent') backoff.delivered();
    return undefined;
  }

  return {
    async tick(signal?: AbortSignal): Promise<number> {
      const held = backoff.heldMs();
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
