import type { WebClient } from '@slack/web-api';
import type { DeliveryOutcome } from '../../domain/delivery.js';
import type { OwnerNotice, OwnerNoticeDm } from '../../domain/owner-notices.js';
import { ownerNoticeMessage } from '../views/owner-notice.js';
import { outcomeOfError } from './outcome.js';

/** DMs a key's owner about a change automation made through the key API (conversations.open + postMessage). */
export class SlackOwnerNoticeDm implements OwnerNoticeDm {
  constructor(private readonly client: WebClient) {}

  async send(notice: OwnerNotice): Promise<DeliveryOutcome> {
    const message = ownerNoticeMessage(notice);
    try {
      const opened = await this.client.conversations.open({ users: notice.ownerId });
      const channel = opened.channel?.id;
      if (channel === undefined) return { kind: 'rejected', error: 'conversations.open returned no channel' };
      const result = await this.client.chat.postMessage({ channel, text: message.text, blocks: message.blocks, unfurl_links: false, unfurl_media: false });
      return { kind: 'posted', channelId: result.channel ?? channel, ts: result.ts ?? '' };
    } catch (error) {
      return outcomeOfError(error);
    }
  }
}
