import type { AccessKey, Role } from '../../domain/model.js';
import type { Logger } from '../../logger.js';

export interface UndeliveredSweepInput {
  /**
   * Deletes keys left undelivered past their time (each audited, on one replica only, with its owner's DM
   * queued in the same transaction) and returns them.
   */
  sweep: () => Promise<Array<{ key: AccessKey; role: Role | undefined; rotatedFrom: string | null }>>;
  /** Forgets replay markers older than Slack's replay window (optional housekeeping). */
  forgetReplays?: () => Promise<number>;
  logger: Logger;
}

/**
 * A key whose secret never reached its owner (the process died between the commit and the delivery)
 * does not authenticate; this removes it after a short while, so its slot is free again. The owner's DM
 * is a notification-outbox row written with the deletion, so a Slack outage delays it and loses none.
 */
export async function runUndeliveredSweep(input: UndeliveredSweepInput): Promise<{ removed: number }> {
  const removed = await input.sweep();
  if (removed.length > 0) input.logger.warn('undelivered keys removed', { count: removed.length, keys: removed.map((r) => r.key.id) });
  if (input.forgetReplays !== undefined) await input.forgetReplays();
  return { removed: removed.length };
}
