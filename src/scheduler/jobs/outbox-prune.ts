import type { JobPorts } from '../../domain/background.js';
import type { Logger } from '../../logger.js';

export interface OutboxPruneInput {
  /** The queues' and markers' prune steps and the clock. */
  ports: JobPorts;
  logger: Logger;
  /** OUTBOX_RETENTION. */
  retentionMs: number;
  /** Rows deleted per statement; each is its own short transaction. */
  batchSize?: number;
  maxBatches?: number;
}

export interface OutboxPruneResult {
  auditOutbox: number;
  notifications: number;
  expiryWarnings: number;
  staleNotices: number;
}

/**
 * Delivered outbox rows and spent markers older than OUTBOX_RETENTION are deleted, in small batches.
 * Pending and parked rows stay whatever their age, and so does every marker that still guards against
 * a repeat (see each store's prune). The audit log itself is never pruned.
 */
export async function runOutboxPrune(input: OutboxPruneInput): Promise<OutboxPruneResult> {
  const cutoff = new Date(input.ports.now().getTime() - input.retentionMs);
  const batchSize = input.batchSize ?? 500;
  const maxBatches = input.maxBatches ?? 20;
  const drain = async (prune: (cutoff: Date, limit: number) => Promise<number>): Promise<number> => {
    let total = 0;
    for (let i = 0; i < maxBatches; i++) {
      const n = await prune(cutoff, batchSize);
      total += n;
      if (n < batchSize) break;
    }
    return total;
  };
  const { ports } = input;
  const result: OutboxPruneResult = {
    auditOutbox: await drain((at, limit) => ports.pruneAuditOutbox(at, limit)),
    notifications: await drain((at, limit) => ports.notifications.prune(at, limit)),
    expiryWarnings: await drain((at, limit) => ports.expiryWarnings.prune(at, limit)),
    staleNotices: await drain((at, limit) => ports.staleKeys.pruneNotices(at, limit)),
  };
  const total = result.auditOutbox + result.notifications + result.expiryWarnings + result.staleNotices;
  (total > 0 ? input.logger.info : input.logger.debug)('outbox prune finished', { ...result, cutoff: cutoff.toISOString() });
  return result;
}
