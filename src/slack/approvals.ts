import type { WebClient } from '@slack/web-api';
import type { AccessRequest } from '../domain/model.js';
import type { Services } from '../domain/services.js';
import { accessRequestCard } from './views/approvals.js';

async function roleNamesOf(services: Services, userId: string): Promise<string[]> {
  return (await services.users.context(userId)).roles.map((r) => r.name);
}

/** Posts the card for a new request to the approvals channel and remembers where it is. */
export async function postRequestCard(client: WebClient, services: Services, channel: string, request: AccessRequest): Promise<void> {
  const posted = await client.chat.postMessage({ channel, ...accessRequestCard(request, await roleNamesOf(services, request.userId)) });
  if (posted.ts !== undefined) await services.access.recordCard(request.id, posted.channel ?? channel, posted.ts);
}
