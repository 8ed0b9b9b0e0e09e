import type { WebClient } from '@slack/web-api';
import type { AccessRequestNotifier } from '../../domain/access-requests.js';
import type { AccessRequest } from '../../domain/model.js';
import { sendDm } from '../delivery/dm.js';
import { accessRequestCard, decisionDm } from '../views/approvals.js';

/** Updates an expired request's card in place and tells the requester they can ask again. */
export class SlackAccessRequestNotifier implements AccessRequestNotifier {
  constructor(private readonly client: WebClient) {}

  async requestExpired(request: AccessRequest, roleNames: string[]): Promise<void> {
    if (request.cardChannel !== null && request.cardTs !== null) {
      await this.client.chat.update({ channel: request.cardChannel, ts: request.cardTs, ...accessRequestCard(request, roleNames) });
    }
    await sendDm(this.client, request.userId, decisionDm(request));
  }
}
