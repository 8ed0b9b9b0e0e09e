import type { Logger } from '../../logger.js';
import type { JobContext } from '../job-context.js';

/** `ports.staleKeys`: the notice markers; `services.background.closeDueStaleNotice`: the audited inactivation. */
export interface StaleKeyCheckInput extends JobContext {
  logger: Logger;
  /** STALE_KEY_AFTER. */
  staleAfterMs: number;
  /** STALE_KEY_AUTO_INACTIVE_AFTER (unset: never automatic). */
  autoInactiveAfterMs?: number;
  batchSize?: number;
  /** Upper bound of batches per run, so one run over a huge backlog still ends; the next run goes on. */
  maxBatches?: number;
}

export interface StaleKeyCheckResult {
  noticed: number;
  inactivated: number;
  resolved: number;
}

/**
 * Runs with the expiry check. (1) Each key whose stale clock (last use, creation, or last Keep) is older
 * than STALE_KEY_AFTER gets one marker and one queued DM, in one transaction: the unique marker makes
 * it once across replicas and restarts. (2) With STALE_KEY_AUTO_INACTIVE_AFTER, a notice still open that
 * long later, for a key whose clock has not moved, makes the key inactive (audited) and tells the owner.
 */
export async function runStaleKeyCheck(input: StaleKeyCheckInput): Promise<StaleKeyCheckResult> {
  const now = input.ports.now();
  const batchSize = input.batchSize ?? 100;
  const maxBatches = input.maxBatches ?? 50;
  const stale = input.ports.staleKeys;
  const result: StaleKeyCheckResult = { noticed: 0, inactivated: 0, resolved: 0 };

  const cutoff = new Date(now.getTime() - input.staleAfterMs);
  for (let batch = 0; batch < maxBatches; batch++) {
    const found = await stale.findStaleUnnoticed(cutoff, now, batchSize);
    if (found.length === 0) break;
    const noticed = await stale.notice(found, now);
    result.noticed += noticed;
    // Nothing inserted means other replicas took them all (or their clocks moved): the next scan proves it.
    if (found.length < batchSize || noticed === 0) break;
  }

  const autoAfter = input.autoInactiveAfterMs;
  // Replicas read the same oldest notices; each closed one drops out of the next read, so looping on
  // goes through the rest without anyone acting twice (the close is the once-only step).
  for (let batch = 0; autoAfter !== undefined && batch < maxBatches; batch++) {
    const due = await stale.noticesDue(new Date(now.getTime() - autoAfter), batchSize);
    for (const notice of due) {
      // The domain step re-reads the key under the write lock; closing the notice is the once-only step.
      const outcome = await input.services.background.closeDueStaleNotice(notice);
      if (outcome === 'inactivated') result.inactivated += 1;
      if (outcome === 'resolved') result.resolved += 1;
    }
    if (due.length < batchSize) break;
  }
  const log = result.noticed + result.inactivated > 0 ? input.logger.info : input.logger.debug;
  log('stale key check finished', { ...result });
  return result;
}
