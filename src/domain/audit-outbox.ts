import type { DeliveryOutcome } from './delivery.js';
import type { AuditAction, AuditRecord } from './model.js';

/**
 * Ports of the security-channel mirror (R9). Every audit record is queued in `audit_outbox` by the
 * transaction that wrote it; the mirror drains that queue. `src/db` implements the queue, `src/slack`
 * the channel; the worker between them is `src/scheduler/jobs/audit-mirror.ts`.
 */

export interface OutboxItem {
  seq: number;
  /** Failed deliveries charged to this record so far. */
  attempts: number;
  /** The record as stored, or undefined when the row could not be read back (see `unreadable`). */
  record: AuditRecord | undefined;
  unreadable?: string;
}

export type OutboxClaim =
  | { kind: 'claimed'; items: OutboxItem[] }
  /** Nothing may be posted yet (pacing, Retry-After, circuit breaker), by any replica. */
  | { kind: 'gated'; notBefore: string; reason: string | null }
  | { kind: 'idle' };

export interface OutboxClaimRequest {
  now: Date;
  /** How long the claimed records belong to this worker; after that a crash is recovered by anyone. */
  leaseMs: number;
  maxItems: number;
  /** The gate closes this long after a claim, so all replicas together post about once per `spacingMs`. */
  spacingMs: number;
}

export interface OutboxBacklog {
  pending: number;
  parked: number;
  /** When the oldest record still waiting was written. */
  oldestPendingAt: string | null;
}

export interface AuditOutbox {
  /**
   * Atomically: if the gate is open, lease the oldest due records (skipping rows another replica
   * holds) and close the gate for `spacingMs`.
   */
  claim(request: OutboxClaimRequest): Promise<OutboxClaim>;
  /** Delivered: keeps the message ts so a later tool can find or update the post. */
  markPosted(seqs: readonly number[], delivery: { channelId: string; ts: string }, now: Date): Promise<void>;
  /** Gives the lease back without charging the records (Slack was down, not their fault). */
  release(seqs: readonly number[]): Promise<void>;
  /** Charges one failed attempt; `retryAt: null` parks the record for good. */
  recordFailure(seq: number, failure: { error: string; retryAt: Date | null }): Promise<void>;
  /** Keeps every replica from posting before `until` (never shortens an existing hold). */
  holdGate(until: Date, reason: string): Promise<void>;
  backlog(): Promise<OutboxBacklog>;
}

export type AuditPostOutcome = DeliveryOutcome | { kind: 'unrenderable'; failures: Array<{ seq: number; error: string }> };

/** The security channel, as the mirror sees it. One call is one message: one record, or a digest. */
export interface AuditChannel {
  /** How many records one digest message can always hold within Block Kit limits. */
  readonly maxRecordsPerMessage: number;
  /** Renders and posts; records that cannot be rendered are reported and nothing is posted. */
  post(records: readonly AuditRecord[]): Promise<AuditPostOutcome>;
}

/**
 * How many of the oldest due records (in seq order) go into the next message. A record that failed
 * before is posted alone, so one poison record inside a refused digest is isolated on the next try
 * while its neighbours go through.
 */
export function takeForNextMessage(attempts: readonly number[], max: number): number {
  const [first] = attempts;
  if (first === undefined || max < 1) return 0;
  if (first > 0) return 1;
  let count = 0;
  while (count < attempts.length && count < max && attempts[count] === 0) count += 1;
  return count;
}

/**
 * Records the security channel must see before any backlog, each in a message of its own: a key
 * reported compromised or seen leaked, and an audit chain that does not continue from what the app last saw.
 */
export const PRIORITY_AUDIT_ACTIONS: ReadonlySet<AuditAction> = new Set<AuditAction>([
  'key.reported_compromised',
  'key.leaked',
  'audit.tail_mismatch',
]);

export function isPriorityAudit(action: AuditAction): boolean {
  return PRIORITY_AUDIT_ACTIONS.has(action);
}
