import type { WebClient } from '@slack/web-api';
import type { DeliveryOutcome } from '../../domain/delivery.js';
import type { ExpiryWarningNotice, WarningDm } from '../../domain/expiry-ports.js';
import { expiryWarningMessage } from '../views/expiry-warning.js';
import { outcomeOfError } from './outcome.js';

/** DM channel ids are stable per user; remembering them saves a Tier 3 call per warning. */
const DM_CACHE_LIMIT = 10_000;

/** Sends expiry warnings as DMs (conversations.open + chat.postMessage) through its own WebClient. */
export class SlackWarningDm implements WarningDm {
  private readonly dmChannels = new Map<string, string>();

  constructor(private readonly client: WebClient) {}

  private async dmChannelOf(userId: string): Promise<string | undefined> {
    const known = this.dmChannels.get(userId);
    if (known !== undefined) return known;
    const opened = await this.client.conversations.open({ users: userId });
    const channelId = opened.channel?.id;
    if (channelId === undefined) return undefined;
    if (this.dmChannels.size >= DM_CACHE_LIMIT) this.dmChannels.clear();
    this.dmChannels.set(userId, channelId);
    return channelId;
  }

  async send(notice: ExpiryWarningNotice): Promise<DeliveryOutcome> {
    const message = expiryWarningMessage(notice);
    try {
      const channel = await this.dmChannelOf(notice.ownerId);
      if (channel === undefined) return { kind: 'rejected', error: 'conversations.open returned no channel' };
      const result = await this.client.chat.postMessage({
        channel,
        text: message.text,
        blocks: message.blocks,
        unfurl_links: false,
        unfurl_media: false,
      });
      return { kind: 'posted', channelId: result.channel ?? channel, ts: result.ts ?? '' };
    } catch (error) {
      // A user's DM can be refused (user_not_found, cannot_dm_bot): that is this warning's problem only,
      // and the remembered channel may be the reason, so it is looked up afresh next time.
      const outcome = outcomeOfError(error);
      if (outcome.kind === 'rejected') this.dmChannels.delete(notice.ownerId);
      return outcome;
    }
  }
}
