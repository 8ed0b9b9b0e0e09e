import type { AccessKey, Role } from '../../domain/model.js';
import { undeliveredNotice, type UndeliveredKeyNotifier } from '../../domain/undelivered.js';
import type { Logger } from '../../logger.js';

export interface UndeliveredSweepInput {
  /** Deletes keys left undelivered past their time (each audited, on one replica only) and returns them. */
  sweep: () => Promise<Array<{ key: AccessKey; role: Role | undefined; rotatedFrom: string | null }>>;
  /** Forgets replay markers older than Slack's replay window (optional housekeeping). */
  forgetReplays?: () => Promise<number>;
  notifier: UndeliveredKeyNotifier;
  logger: Logger;
}

/**
 * A key whose secret never reached its owner (the process died between the commit and the delivery)
 * does not authenticate; this removes it after a short while, so its slot is free again, and tells the
 * owner by DM. The DM is best effort: the audit record (`key.deleted_undelivered`) is the durable trace.
 */
export async function runUndeliveredSweep(input: UndeliveredSweepInput): Promise<{ removed: number }> {
  const removed = await input.sweep();
  for (const { key, role, rotatedFrom } of removed) {
    await input.notifier
      .keyRemoved(undeliveredNotice(key, role, rotatedFrom))
      .catch((error: unknown) => input.logger.warn('could not tell the owner about a removed undelivered key', { error, keyId: key.id }));
  }
  if (removed.length > 0) input.logger.warn('undelivered keys removed', { count: removed.length, keys: removed.map((r) => r.key.id) });
  if (input.forgetReplays !== undefined) await input.forgetReplays();
  return { removed: removed.length };
}
