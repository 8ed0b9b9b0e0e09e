import type { DeliveryOutcome } from './delivery.js';
import type { DueKey, Threshold } from './expiry.js';
import type { Repos } from './repo-ports.js';

/**
 * Ports of the expiry warnings. `src/db` keeps the markers and the DM queue (one table: a marker row
 * is also the queued DM); `src/slack` sends the DM. The workers are in `src/scheduler/jobs/`.
 */

export interface WarningMarker {
  keyId: string;
  threshold: string;
  expiresAt: string;
  ownerId: string;
  /** pending: a DM to send; skipped: marked so it never fires, with `note` saying why. */
  state: 'pending' | 'skipped';
  at: string;
  note?: string;
}

/** Marker access inside one write transaction; each call is one statement for a whole batch of keys. */
export interface WarningMarks {
  /** The keys as they are now, under the write lock; deleted ones are missing. */
  currentKeys(ids: readonly string[]): Promise<Map<string, DueKey>>;
  /** Thresholds already marked, by key ID, for each key at the given expiry. */
  markedThresholds(keys: ReadonlyArray<{ id: string; expiresAt: string }>): Promise<Map<string, Set<string>>>;
  /**
   * Inserts the markers that do not exist yet for their (key, threshold, expiry) and returns exactly
   * those this call inserted: of two replicas marking the same threshold, only one gets it back.
   */
  mark(markers: readonly WarningMarker[]): Promise<WarningMarker[]>;
}

export interface QueuedWarning {
  id: string;
  keyId: string;
  threshold: string;
  expiresAt: string;
  ownerId: string;
  attempts: number;
}

export interface ExpiryWarningStore {
  /** Every key entering a threshold at or before this instant was handled by a finished run. */
  evaluatedUntil(): Promise<string | undefined>;
  setEvaluatedUntil(at: string): Promise<void>;
  /**
   * Keys with `after < expires_at <= until` (after: null = no lower bound) that have no marker for this
   * threshold at their current expiry, soonest first. Uses the expires_at index: the cost follows the
   * number of keys in the range, not the number of keys.
   */
  findUnmarkedKeys(threshold: string, range: { after: string | null; until: string }, limit: number): Promise<DueKey[]>;
  /** One audited write transaction (the audit chain's lock) with the markers in the same transaction. */
  write<T>(fn: (tx: Repos, marks: WarningMarks) => Promise<T>): Promise<T>;
  /** Leases the oldest due pending warnings, skipping rows other replicas hold. */
  claim(request: { now: Date; leaseMs: number; maxItems: number }): Promise<QueuedWarning[]>;
  markSent(id: string, delivery: { channelId: string; ts: string }, now: Date): Promise<void>;
  cancel(id: string, reason: string, now: Date): Promise<void>;
  release(ids: readonly string[]): Promise<void>;
  /** Charges one failed attempt; `retryAt: null` parks the warning for good. */
  recordFailure(id: string, failure: { error: string; retryAt: Date | null }, now: Date): Promise<void>;
  backlog(): Promise<{ pending: number; parked: number }>;
  /** Deletes finished markers whose expiry is before `cutoff` (OUTBOX_RETENTION); returns how many. */
  prune(cutoff: Date, limit: number): Promise<number>;
}

/** What the owner is told. Dates are ISO strings; the Slack side formats them for the reader. */
export interface ExpiryWarningNotice {
  ownerId: string;
  keyId: string;
  keyName: string;
  roleName: string | null;
  expiresAt: string;
  threshold: Threshold;
  now: string;
}

export interface WarningDm {
  send(notice: ExpiryWarningNotice): Promise<DeliveryOutcome>;
}
