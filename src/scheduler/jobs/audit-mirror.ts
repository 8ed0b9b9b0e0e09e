import type { AuditChannel, AuditOutbox, OutboxItem } from '../../domain/audit-outbox.js';
import { backoffDelay } from '../../domain/delivery.js';
import type { AuditRecord } from '../../domain/model.js';
import type { Logger } from '../../logger.js';
import { createDeliveryBackoff, DEFAULT_BACKOFF, type Pause } from '../delivery-backoff.js';

export interface AuditMirrorTuning {
  /** Minimum gap between two messages to the channel, across all replicas (Slack: ~1 msg/s/channel). */
  spacingMs: number;
  /** How long claimed records belong to this worker; a crash between posting and marking is recovered after it. */
  leaseMs: number;
  /** Attempts charged to one record (unrenderable, refused by Slack) before it is parked. */
  maxAttempts: number;
  retryDelaysMs: number[];
  /** Waits after consecutive 5xx / network failures; records are not charged. */
  unavailableBackoffMs: number[];
  /** Retry interval of the circuit breaker (invalid_auth, token_revoked, bot not in the channel). */
  blockedRetryMs: number;
  /** Pause when nothing is pending. */
  idlePollMs: number;
  /** How often a non-empty backlog is logged. */
  backlogLogEveryMs: number;
  /** A backlog whose oldest record is older than this is logged as a warning. */
  backlogWarnAfterMs: number;
}

export const DEFAULT_MIRROR_TUNING: AuditMirrorTuning = {
  spacingMs: 1000,
  leaseMs: 60_000,
  maxAttempts: 5,
  retryDelaysMs: [5000, 30_000, 2 * 60_000, 10 * 60_000],
  ...DEFAULT_BACKOFF,
  idlePollMs: 1000,
  backlogLogEveryMs: 60_000,
  backlogWarnAfterMs: 5 * 60_000,
};

export interface AuditMirrorInput {
  outbox: AuditOutbox;
  channel: AuditChannel;
  now: () => Date;
  logger: Logger;
  tuning?: Partial<AuditMirrorTuning>;
}

export interface AuditMirror {
  /** Claims and posts one message's worth of records; resolves to how long to pause before the next call. */
  tick(): Promise<number>;
}

/**
 * Mirrors the audit log to the security channel from the outbox the audit transaction wrote (R9):
 * a Slack outage, 429s or a restart delay posts but lose none. One message per tick, paced through a
 * gate every replica shares; when a backlog builds, the oldest records go out together as a digest.
 */
export function createAuditMirror(input: AuditMirrorInput): AuditMirror {
  const tuning: AuditMirrorTuning = { ...DEFAULT_MIRROR_TUNING, ...input.tuning };
  const { outbox, channel, logger } = input;
  const backoff = createDeliveryBackoff({ ...tuning, name: 'audit mirror', blockedAlert: 'audit_mirror_blocked', logger });
  let nextBacklogLog = 0;

  /**
   * Holds this worker (in monotonic time, safe from wall-clock jumps) and every replica (the shared
   * gate): together nothing is sent before a Retry-After has elapsed.
   */
  async function pause(outcome: Pause, seqs: number[]): Promise<number> {
    await outbox.release(seqs);
    const ms = backoff.pause(outcome);
    const reason =
      outcome.kind === 'blocked' ? `blocked: ${outcome.error}` : outcome.kind === 'unavailable' ? 'slack_unavailable' : outcome.kind;
    await outbox.holdGate(new Date(input.now().getTime() + ms), reason);
    return ms;
  }

  async function charge(item: Pick<OutboxItem, 'seq' | 'attempts'>, error: string, retryNow = false): Promise<void> {
    const attempts = item.attempts + 1;
    const park = attempts >= tuning.maxAttempts;
    const retryAt = park ? null : new Date(input.now().getTime() + (retryNow ? 0 : backoffDelay(tuning.retryDelaysMs, attempts)));
    await outbox.recordFailure(item.seq, { error, retryAt });
    if (park)
      logger.error('ALERT audit record parked: it will not reach the security channel without an operator', {
        alert: 'audit_record_parked',
        seq: item.seq,
        attempts,
        error,
      });
    else logger.warn('audit record not posted; will retry', { seq: item.seq, attempts, error });
  }

  async function logBacklog(): Promise<void> {
    const nowMono = performance.now();
    if (nowMono < nextBacklogLog) return;
    nextBacklogLog = nowMono + tuning.backlogLogEveryMs;
    const backlog = await outbox.backlog();
    if (backlog.pending === 0 && backlog.parked === 0) return;
    const lagMs = backlog.oldestPendingAt === null ? 0 : Math.max(0, input.now().getTime() - Date.parse(backlog.oldestPendingAt));
    const fields = {
      metric: 'audit_mirror_backlog',
      pending: backlog.pending,
      parked: backlog.parked,
      oldestPendingAt: backlog.oldestPendingAt,
      lagSeconds: Math.round(lagMs / 1000),
    };
    if (lagMs > tuning.backlogWarnAfterMs || backlog.parked > 0) logger.warn('audit mirror backlog', fields);
    else logger.info('audit mirror backlog', fields);
  }

  async function post(items: OutboxItem[]): Promise<number> {
    const records: AuditRecord[] = [];
    for (const item of items) {
      if (item.record === undefined) await charge(item, item.unreadable ?? 'unreadable audit record');
      else records.push(item.record);
    }
    if (records.length === 0) return 0;
    const seqs = records.map((r) => r.seq);
    const byseq = new Map(items.map((i) => [i.seq, i]));
    const outcome = await channel.post(records);
    switch (outcome.kind) {
      case 'posted':
        await outbox.markPosted(seqs, outcome, input.now());
        backoff.delivered();
        return tuning.spacingMs;
      case 'unrenderable': {
        const bad = new Set(outcome.failures.map((f) => f.seq));
        for (const failure of outcome.failures) await charge(byseq.get(failure.seq) ?? { seq: failure.seq, attempts: 0 }, failure.error);
        await outbox.release(seqs.filter((seq) => !bad.has(seq)));
        return 0;
      }
      case 'rate_limited':
      case 'unavailable':
      case 'blocked':
        return pause(outcome, seqs);
      case 'rejected':
        // A refused digest says nothing about which record is at fault: each is charged once and then
        // posted alone (takeForNextMessage), which isolates the poison one.
        for (const seq of seqs) await charge(byseq.get(seq) ?? { seq, attempts: 0 }, outcome.error, seqs.length > 1);
        return 0;
    }
  }

  return {
    async tick(): Promise<number> {
      const held = backoff.heldMs();
      if (held > 0) return held;
      await logBacklog();
      const now = input.now();
      const claim = await outbox.claim({
        now,
        leaseMs: tuning.leaseMs,
        maxItems: channel.maxRecordsPerMessage,
        spacingMs: tuning.spacingMs,
      });
      switch (claim.kind) {
        case 'idle':
          return tuning.idlePollMs;
        case 'gated':
          // Another replica posted, or Slack asked everyone to wait: look again when the gate opens.
          return Math.min(Math.max(Date.parse(claim.notBefore) - now.getTime(), 10), tuning.idlePollMs * 5);
        case 'claimed':
          return post(claim.items);
      }
    },
  };
}
