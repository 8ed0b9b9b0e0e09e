import type { Logger } from '../../logger.js';
import type { JobContext } from '../job-context.js';

/**
 * `services.keys.sweepUndelivered` deletes keys left undelivered past their time (each audited, on one
 * replica only, with its owner's DM queued in the same transaction); `forgetOldReplays` forgets replay
 * markers older than Slack's replay window.
 */
export interface UndeliveredSweepInput extends Pick<JobContext, 'services'> {
  logger: Logger;
}

/**
 * A key whose secret never reached its owner (the process died between the commit and the delivery)
 * does not authenticate; this removes it after a short while, so its slot is free again. The owner's DM
 * is a notification-outbox row written with the deletion, so a Slack outage delays it and loses none.
 */
export async function runUndeliveredSweep(input: UndeliveredSweepInput): Promise<{ removed: number }> {
  const removed = await input.services.keys.sweepUndelivered();
  if (removed.length > 0) input.logger.warn('undelivered keys removed', { count: removed.length, keys: removed.map((r) => r.key.id) });
  await input.services.keys.forgetOldReplays();
  return { removed: removed.length };
}
