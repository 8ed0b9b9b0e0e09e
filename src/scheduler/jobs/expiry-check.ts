import { auditKeyExpired } from '../../domain/keys/expired.js';
import { EXPIRED_THRESHOLD, expiryThresholds, planWarnings, type DueKey, type Threshold } from '../../domain/expiry.js';
import type { WarningMarker, WarningMarks } from '../../domain/expiry-ports.js';
import type { Role } from '../../domain/model.js';
import type { Repos, Store } from '../../domain/ports.js';
import { DAY_MS } from '../../domain/time.js';
import type { Logger } from '../../logger.js';

export interface ExpiryCheckInput {
  store: Store;
  /** The app's one clock, so every expiry decision agrees on "now". */
  now: () => Date;
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
  const now = input.now();
  const batchSize = input.batchSize ?? 100;
  const overlapMs = input.overlapMs ?? 5 * 60 * 1000;
  const thresholds = expiryThresholds(input.warningDays);
  const staleAfterMs = input.staleAfterMs ?? Math.max(1, ...input.warningDays) * DAY_MS;
  const store = input.store.expiryWarnings;

  const previous = await store.evaluatedUntil();
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
      const keys = await store.findUnmarkedKeys(threshold.id, range, batchSize);
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
      const counts = await store.write((tx, marks) => markBatch(tx, marks, fresh, { now, thresholds, staleAfterMs }));
      result.queued += counts.queued;
      result.skipped += counts.skipped;
      result.expired += counts.expired;
      if (keys.length < batchSize) break;
    }
  }

  await store.setEvaluatedUntil(now.toISOString());
  const log = result.queued + result.expired + result.skipped > 0 ? input.logger.info : input.logger.debug;
  log('expiry check finished', { ...result });
  return result;
}

async function markBatch(
  tx: Repos,
  marks: WarningMarks,
  found: readonly DueKey[],
  context: { now: Date; thresholds: readonly Threshold[]; staleAfterMs: number },
): Promise<{ queued: number; skipped: number; expired: number }> {
  const at = context.now.toISOString();
  // Read again under the write lock: a key deleted or extended since the scan gets no marker for the
  // old expiry (an extended key's new expiry is found by a later scan if it is due).
  const current = await marks.currentKeys(found.map((k) => k.id));
  const keys = found.flatMap((k) => {
    const now = current.get(k.id);
    return now !== undefined && now.expiresAt === k.expiresAt ? [now] : [];
  });
  const marked = await marks.markedThresholds(keys);
  const wanted: WarningMarker[] = keys.flatMap((key) => {
    const plan = planWarnings(key, context.now, context.thresholds, marked.get(key.id) ?? new Set(), {
      staleAfterMs: context.staleAfterMs,
    });
    const base = { keyId: key.id, expiresAt: key.expiresAt, ownerId: key.ownerId, at };
    return [
      ...plan.skip.map(({ threshold, reason }) => ({ ...base, threshold: threshold.id, state: 'skipped' as const, note: reason })),
      ...(plan.notify === undefined ? [] : [{ ...base, threshold: plan.notify.id, state: 'pending' as const }]),
    ];
  });
  const inserted = await marks.mark(wanted);

  const counts = { queued: 0, skipped: 0, expired: 0 };
  const byId = new Map(keys.map((k) => [k.id, k]));
  const roles = new Map<string, Role | undefined>();
  for (const marker of inserted) {
    if (marker.state === 'pending') counts.queued += 1;
    else counts.skipped += 1;
    const key = byId.get(marker.keyId);
    if (marker.threshold !== EXPIRED_THRESHOLD || key === undefined) continue;
    // The expiry is itself an audit record, written once: only by the transaction that inserted the marker.
    if (!roles.has(key.roleId)) roles.set(key.roleId, await tx.roles.findById(key.roleId));
    await auditKeyExpired(tx, key, roles.get(key.roleId), context.now);
    counts.expired += 1;
  }
  return counts;
}
