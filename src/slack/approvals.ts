import type { WebClient } from '@slack/web-api';
import type { AccessRequest } from '../domain/model.js';
import type { Services } from '../domain/services.js';
import type { Logger } from '../logger.js';
import { sendDm } from './delivery/dm.js';
import { accessRequestCard, decisionDm } from './views/approvals.js';

async function roleNamesOf(services: Services, userId: string): Promise<string[]> {
  return (await services.users.context(userId)).roles.map((r) => r.name);
}

/** Posts the card for a new request to the approvals channel and remembers where it is. */
export async function postRequestCard(client: WebClient, services: Services, channel: string, request: AccessRequest): Promise<void> {
  const posted = await client.chat.postMessage({ channel, ...accessRequestCard(request, await roleNamesOf(services, request.userId)) });
  if (posted.ts !== undefined) await services.access.recordCard(request.id, posted.channel ?? channel, posted.ts);
}

/** Shows the decision on the card in place, and tells the requester by DM (either way). */
export async function announceDecision(client: WebClient, services: Services, logger: Logger, request: AccessRequest, fallback?: { channel?: string; ts?: string }): Promise<void> {
  const channel = request.cardChannel ?? fallback?.channel;
  const ts = request.cardTs ?? fallback?.ts;
  if (channel !== undefined && ts !== undefined) {
    await client.chat
      .update({ channel, ts, ...accessRequestCard(request, await roleNamesOf(services, request.userId)) })
      .catch((error: unknown) => logger.warn('could not update the approvals card', { error, requestId: request.id }));
  }
  await sendDm(client, request.userId, decisionDm(request)).catch((error: unknown) => logger.warn('could not DM the requester', { error, requestId: request.id }));
}
