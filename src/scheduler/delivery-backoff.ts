import { backoffDelay, type DeliveryOutcome } from '../domain/delivery.js';
import type { Logger } from '../logger.js';

/** The outcomes that pause a whole sender rather than charge one item. */
export type Pause = Extract<DeliveryOutcome, { kind: 'rate_limited' | 'unavailable' | 'blocked' }>;

export interface DeliveryBackoffOptions {
  /** What the log lines call the sender ("audit mirror", "notifications"). */
  name: string;
  /** The operator alert logged once when Slack blocks every send. */
  blockedAlert: string;
  /** Waits after consecutive 5xx / network failures. */
  unavailableBackoffMs: number[];
  /** Retry interval while the token is revoked or the app lacks a scope or a channel. */
  blockedRetryMs: number;
  logger: Logger;
}

/** Every sender's default: back off 1 s … 1 min through an outage; retry every 5 min while blocked. */
export const DEFAULT_BACKOFF: Pick<DeliveryBackoffOptions, 'unavailableBackoffMs' | 'blockedRetryMs'> = {
  unavailableBackoffMs: [1000, 2000, 5000, 10_000, 30_000, 60_000],
  blockedRetryMs: 5 * 60_000,
};

export interface DeliveryBackoff {
  /** How long the sender is still held (0 when it may send). */
  heldMs(): number;
  /** Holds the sender for the pause an outcome asks for, logging it (the blocked alert once); returns the pause. */
  pause(outcome: Pause): number;
  /** A send went through: the failure count restarts, and a recovery is logged. */
  delivered(): void;
}

/**
 * The one back-off of every Slack sender (the audit mirror and the lease-queue senders): Retry-After
 * for a rate limit, a growing wait for an outage, a slow retry while blocked. Holds are kept in
 * monotonic time, so neither a wake-up nor a wall-clock jump shortens a Retry-After.
 */
export function createDeliveryBackoff(options: DeliveryBackoffOptions): DeliveryBackoff {
  const { name, logger: log } = options;
  let holdUntil = 0;
  let failures = 0;
  let blocked = false;
  const hold = (ms: number): number => {
    holdUntil = performance.now() + ms;
    return ms;
  };
  return {
    heldMs: () => Math.max(0, holdUntil - performance.now()),
    pause(outcome: Pause): number {
      switch (outcome.kind) {
        case 'rate_limited':
          log.warn(`${name} rate limited by Slack; nothing is sent until Retry-After has passed`, { retryAfterMs: outcome.retryAfterMs });
          return hold(outcome.retryAfterMs);
        case 'unavailable': {
          failures += 1;
          const delayMs = backoffDelay(options.unavailableBackoffMs, failures);
          log.warn(`Slack unavailable for ${name}; backing off`, { error: outcome.error, failures, delayMs });
          return hold(delayMs);
        }
        case 'blocked':
          if (!blocked)
            log.error(`ALERT ${name} stopped: Slack refuses the token, a scope or the channel; retrying slowly until an operator acts`, {
              alert: options.blockedAlert,
              error: outcome.error,
            });
          blocked = true;
          return hold(options.blockedRetryMs);
      }
    },
    delivered(): void {
      if (failures > 0 || blocked) log.info(`${name} flowing again`, { after: blocked ? 'blocked' : 'unavailable' });
      failures = 0;
      blocked = false;
    },
  };
}
