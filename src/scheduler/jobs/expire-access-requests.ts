import type { AccessRequest } from '../../domain/model.js';
import type { Logger } from '../../logger.js';

export interface ExpireAccessRequestsInput {
  /**
   * Marks due requests expired; each is returned by exactly one replica (the transition is locked). The
   * same transaction queues the card update and the requester's DM in the notification outbox.
   */
  expire: () => Promise<AccessRequest[]>;
  logger: Logger;
}

/** Requests pending past ACCESS_REQUEST_TTL_DAYS expire; their cards and requesters are told via the outbox (docs/rules.md: approvals). */
export async function runExpireAccessRequests(input: ExpireAccessRequestsInput): Promise<{ expired: number }> {
  const expired = await input.expire();
  if (expired.length > 0) input.logger.info('access requests expired', { count: expired.length });
  return { expired: expired.length };
}
