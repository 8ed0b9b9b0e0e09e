import type { Logger } from '../../logger.js';
import type { JobContext } from '../job-context.js';

/**
 * `services.access.expireRequests` marks due requests expired; each is returned by exactly one replica
 * (the transition is locked). The same transaction queues the card update and the requester's DM.
 */
export interface ExpireAccessRequestsInput extends Pick<JobContext, 'services'> {
  logger: Logger;
}

/** Requests pending past ACCESS_REQUEST_TTL_DAYS expire; their cards and requesters are told via the outbox (docs/rules.md: approvals). */
export async function runExpireAccessRequests(input: ExpireAccessRequestsInput): Promise<{ expired: number }> {
  const expired = await input.services.access.expireRequests();
  if (expired.length > 0) input.logger.info('access requests expired', { count: expired.length });
  return { expired: expired.length };
}
