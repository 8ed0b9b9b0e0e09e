import { redactSecrets } from './secrets.js';

/**
 * What happened when a background worker handed something to the outside world (the audit channel, a
 * DM). The Slack side classifies its errors into these; the workers decide what each means for the
 * queued rows, so that policy lives in one place and never depends on Slack types.
 */
export type DeliveryOutcome =
  | { kind: 'posted'; channelId: string; ts: string }
  /** Slack said "slow down": nothing may be sent before `retryAfterMs` has passed. */
  | { kind: 'rate_limited'; retryAfterMs: number }
  /** Slack or the network failed (5xx, timeout, reset): not the item's fault; back off and retry it. */
  | { kind: 'unavailable'; error: string }
  /**
   * Nothing can be delivered until an operator acts (token revoked, bot not in the channel): stop
   * hammering, alert, and retry slowly. Items are not charged.
   */
  | { kind: 'blocked'; error: string }
  /** This content was refused (invalid_blocks, msg_too_long, user_not_found): charged to the items. */
  | { kind: 'rejected'; error: string };

/** Waits for the n-th consecutive failure (1-based), capped at the last entry. */
export function backoffDelay(delaysMs: readonly number[], failures: number): number {
  if (delaysMs.length === 0) return 0;
  const index = Math.min(Math.max(failures, 1), delaysMs.length) - 1;
  return delaysMs[index] ?? 0;
}

/**
 * Short, single-line, bounded error text for a queue row's `last_error`. Anything secret-shaped is
 * cut out first: these rows are read by operators and must never hold a secret (R9).
 */
export function lastErrorText(error: unknown, max = 300): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const line = redactSecrets(text).replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
