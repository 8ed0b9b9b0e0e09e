import type { AccessRequestNotifier } from '../../domain/access-requests.js';
import type { AccessRequest } from '../../domain/model.js';
import type { Logger } from '../../logger.js';

export interface ExpireAccessRequestsInput {
  /** Marks due requests expired; each is returned by exactly one replica (the transition is locked). */
  expire: () => Promise<AccessRequest[]>;
  rolesOf: (userId: string) => Promise<string[]>;
  notifier: AccessRequestNotifier;
  logger: Logger;
}

/** Requests pending past ACCESS_REQUEST_TTL_DAYS expire, and their cards say so (docs/rules.md: approvals). */
export async function runExpireAccessRequests(input: ExpireAccessRequestsInput): Promise<{ expired: number }> {
  const expired = await input.expire();
  for (const request of expired) {
    await input.notifier
      .requestExpired(request, await input.rolesOf(request.userId))
      .catch((error: unknown) => input.logger.warn('could not announce an expired access request', { error, requestId: request.id }));
  }
  if (expired.length > 0) input.logger.info('access requests expired', { count: expired.length });
  return { expired: expired.length };
}
