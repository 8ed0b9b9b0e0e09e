import { expiryThresholds } from '../../domain/expiry.js';
import { DAY_MS } from '../../domain/time.js';
import type { Logger } from '../../logger.js';
import type { JobContext } from '../job-context.js';

/** `ports.expiryWarnings`: the markers; `services.background.markExpiryDue`: each batch's audited transaction. */
export interface ExpiryCheckInput extends JobContext {
  /** EXPIRY_WARNING_DAYS, e.g. [7, 1]. */
  warningDays: readonly number[];
  logger: Logger;
  /** Keys marked per transaction: keeps each write short (it holds the audit chain's lock). */
  batchSize?: number;
  /**
   * Each run re-examines this much time before the previous run's end: covers replicas whose clocks
   * differ by seconds and changes committed while the previous run was scanning. Markers make the
   * overlap free of duplicates.
   */
  overlapMs?: number;
  /** An expired key older than this is audited as expired but its owner gets no DM (first run over old data). */
  staleAfterMs?: number;
}

export interface ExpiryCheckResult {
  /** Warnings queued for the DM sender. */
  queued: number;
  /** Thresholds marked without a DM (superseded, stale, inactive, entered at creation). */
  skipped: number;
  /** `key.expired` audit records written. */
  expired: number;
  examined: number;
  /** The due-instant range this run covered: (from, until]; from is null on the very first run. */
  from: string | null;
  until: string;
}

/**
 * Marks every (key, threshold) that became due since the last finished run, and queues one DM per key
 * for its most urgent due threshold, in the same transaction as the marker (and, for 'expired', the
 * `key.expired` audit record). Sending is the warning sender's job: a run that crashes halfway leaves
 * only whole batches behind, and the next run picks up exactly where the markers stop.
 *
 * For each threshold the scan is `entersAt(key) ∈ (from, now]`, i.e. `expires_at ∈ (from + lead, now + lead]`
 * on the expires_at index, so the cost follows the keys that became due, not the number of keys.
 */
export async function runExpiryCheck(input: ExpiryCheckInput): Promise<ExpiryCheckResult> {
  const now = input.ports.now();
  const batchSize = input.batchSize ?? 100;
  const overlapMs = input.overlapMs ?? 5 * 60 * 1000;
  const thresholds = expiryThresholds(input.warningDays);
  const staleAfterMs = input.staleAfterMs ?? Math.max(1, ...input.warningDays) * DAY_MS;
  const expiry = input.ports.expiryWarnings;

  const previous = await expiry.evaluatedUntil();
  // min(): after the wall clock was set back, cover from the earlier instant rather than leave a gap.
  const fromMs = previous === undefined ? null : Math.min(Date.parse(previous), now.getTime()) - overlapMs;
  const result: ExpiryCheckResult = {
    queued: 0,
    skipped: 0,
    expired: 0,
    examined: 0,
    from: fromMs === null ? null : new Date(fromMs).toISOString(),
    until: now.toISOString(),
  };

  for (const threshold of thresholds) {
    const range = {
      after: fromMs === null ? null : new Date(fromMs + threshold.leadMs).toISOString(),
      until: new Date(now.getTime() + threshold.leadMs).toISOString(),
    };
    const seen = new Set<string>();
    for (;;) {
      const keys = await expiry.findUnmarkedKeys(threshold.id, range, batchSize);
      const fresh = keys.filter((k) => !seen.has(`${k.id}|${k.expiresAt}`));
      if (fresh.length === 0) {
        // Every key found was handled in this run already: only a concurrent writer can cause that.
        if (keys.length > 0)
          input.logger.warn('expiry check: keys stayed unmarked after marking; leaving them to the next run', {
            threshold: threshold.id,
            keys: keys.length,
          });
        break;
      }
      for (const k of fresh) seen.add(`${k.id}|${k.expiresAt}`);
      result.examined += fresh.length;
      const counts = await input.services.background.markExpiryDue(fresh, { now, thresholds, staleAfterMs });
      result.queued += counts.queued;
      result.skipped += counts.skipped;
      result.expired += counts.expired;
      if (keys.length < batchSize) break;
    }
  }

  await expiry.setEvaluatedUntil(now.toISOString());
  const log = result.queued + result.expired + result.skipped > 0 ? input.logger.info : input.logger.debug;
  log('expiry check finished', { ...result });
  return result;
}
