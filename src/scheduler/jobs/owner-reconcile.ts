import { setTimeout as delay } from 'node:timers/promises';
import { SYSTEM_ACTOR } from '../../domain/model.js';
import type { ReconcileProgress, UserDirectory } from '../../domain/owner-reconcile-ports.js';
import type { Logger } from '../../logger.js';
import type { JobContext } from '../job-context.js';

export interface OwnerReconcileTuning {
  /** Owners read per batch; the run's lease is extended after each. */
  batchSize: number;
  /** At least this long between two users.info calls (Tier 4 allows about 100 a minute). */
  minIntervalMs: number;
  /** The run's lease: a replica that stops extending it for this long is taken to have crashed. */
  leaseMs: number;
  /** After this many 429s in a row, the run stops where it is; a later claim resumes from its cursor. */
  maxRateLimitWaits: number;
}

export const DEFAULT_OWNER_RECONCILE_TUNING: OwnerReconcileTuning = {
  batchSize: 50,
  minIntervalMs: 600,
  leaseMs: 5 * 60_000,
  maxRateLimitWaits: 10,
};

export interface OwnerReconcileInput extends JobContext {
  logger: Logger;
  directory: UserDirectory;
  /** Names the scheduled run (its cron instant), the same on every replica, so one of them does it. */
  runId: string;
  tuning?: Partial<OwnerReconcileTuning>;
  /** Waits between calls and for Retry-After; tests pass one that does not sleep. */
  sleep?: (ms: number) => Promise<void>;
}

export type OwnerReconcileResult =
  | { ran: false }
  | ({ ran: true; finished: boolean; rateLimitWaits: number; stoppedBy?: string } & ReconcileProgress);

/**
 * docs/offboarding.md, "the daily check": asks Slack (`users.info`) about every owner of a usable key,
 * one call at a time within the rate limit, waiting out each 429's Retry-After, and offboards a person
 * whose account is deactivated exactly as the user_change event does (the offboarding's own marker
 * makes a person already handled a no-op). One replica does a run: it claims it, and its lease and
 * cursor let another replica finish a run whose holder crashed.
 */
export async function runOwnerReconcile(input: OwnerReconcileInput): Promise<OwnerReconcileResult> {
  const tuning = { ...DEFAULT_OWNER_RECONCILE_TUNING, ...input.tuning };
  const sleep = input.sleep ?? ((ms: number) => delay(ms));
  const store = input.ports.ownerReconcile;
  const claimed = await store.claim(input.runId, input.ports.now(), tuning.leaseMs);
  if (claimed === undefined) return { ran: false };
  const progress: ReconcileProgress = { ...claimed };
  let rateLimitWaits = 0;
  let waitsInARow = 0;
  let lastCall: number | undefined;

  const ask = async (userId: string) => {
    for (;;) {
      if (lastCall !== undefined) {
        const since = Date.now() - lastCall;
        if (since < tuning.minIntervalMs) await sleep(tuning.minIntervalMs - since);
      }
      lastCall = Date.now();
      const answer = await input.directory.lookUp(userId);
      if (answer.kind !== 'rate_limited') {
        waitsInARow = 0;
        return answer;
      }
      rateLimitWaits += 1;
      waitsInARow += 1;
      if (waitsInARow > tuning.maxRateLimitWaits) return answer;
      input.logger.info('users.info rate limited; waiting', { retryAfterMs: answer.retryAfterMs });
      await sleep(answer.retryAfterMs);
    }
  };

  for (;;) {
    const owners = await store.ownersAfter(progress.cursor, input.ports.now(), tuning.batchSize);
    if (owners.length === 0) break;
    for (const userId of owners) {
      const answer = await ask(userId);
      if (answer.kind === 'rate_limited' || answer.kind === 'unavailable') {
        const stoppedBy = answer.kind === 'unavailable' ? answer.error : 'rate_limited';
        await store.advance(input.runId, progress, input.ports.now(), 0);
        input.logger.warn('owner reconcile stopped; the next claim of this run resumes it', { stoppedBy, ...progress });
        return { ran: true, finished: false, rateLimitWaits, stoppedBy, ...progress };
      }
      if (answer.kind === 'deleted') {
        const result = await input.services.offboardPerson(SYSTEM_ACTOR, { userId }, { source: 'reconcile' });
        if (result.count > 0 || result.offboardingId !== null) progress.offboarded += 1;
      }
      if (answer.kind === 'unknown_user') input.logger.warn('users.info does not know a key owner', { userId });
      progress.checked += 1;
      progress.cursor = userId;
    }
    if (!(await store.advance(input.runId, progress, input.ports.now(), tuning.leaseMs))) {
      input.logger.warn('owner reconcile lost its lease; another replica goes on', { ...progress });
      return { ran: true, finished: false, rateLimitWaits, stoppedBy: 'lease_lost', ...progress };
    }
  }
  await store.finish(input.runId, progress, input.ports.now());
  input.logger.info('owner reconcile finished', { ...progress, rateLimitWaits });
  return { ran: true, finished: true, rateLimitWaits, ...progress };
}
