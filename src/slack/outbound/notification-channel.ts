import { WebAPIPlatformError, type WebClient } from '@slack/web-api';
import type { DeliveryOutcome } from '../../domain/delivery.js';
import type { NotificationChannel, NotificationMessage } from '../../domain/notifications.js';
import type { Message } from '../views/blocks.js';
import { messageLink } from '../views/notifications.js';
import { type NotificationDelivery, renderNotification } from './notification-kinds.js';
import { outcomeOfError } from './outcome.js';

/** For the approvals channel these mean "misconfigured destination": hold everything and alert. */
const CHANNEL_ERRORS: ReadonlySet<string> = new Set(['channel_not_found', 'not_in_channel', 'is_archived']);
/** The thing to change is gone already (a deleted card, a file the user removed): nothing left to do. */
const GONE_ERRORS = new Set(['message_not_found', 'file_not_found', 'file_deleted', 'cant_update_message']);

/**
 * Sends the notification outbox's messages, each worded by its kind's entry in `RENDER`
 * (notification-kinds.ts), through its own WebClient (no retries: the worker decides).
 */
export class SlackNotificationChannel implements NotificationChannel {
  constructor(
    private readonly client: WebClient,
    /** APPROVALS_CHANNEL_ID, or the channel set by `/accesskey admin settings`. */
    private readonly approvalsChannelOf: () => Promise<string>,
    /** AUDIT_CHANNEL_ID (or its setting): a leaked key's card goes there. */
    private readonly securityChannelOf: () => Promise<string> = approvalsChannelOf,
  ) {}

  private async post(channel: string, message: Message): Promise<DeliveryOutcome> {
    const posted = await this.client.chat.postMessage({
      channel,
      text: message.text,
      blocks: message.blocks,
      unfurl_links: false,
      unfurl_media: false,
    });
    return { kind: 'posted', channelId: posted.channel ?? channel, ts: posted.ts ?? '' };
  }

  private async permalink(channel: string, ts: string): Promise<string> {
    try {
      const found = await this.client.chat.getPermalink({ channel, message_ts: ts });
      if (typeof found.permalink === 'string') return found.permalink;
    } catch {
      // Not worth failing a reminder over: an archive link from channel and ts opens the same message.
    }
    return messageLink(channel, ts);
  }

  private async deliver(delivery: NotificationDelivery): Promise<DeliveryOutcome> {
    if ('deleteFile' in delivery) {
      await this.client.files.delete({ file: delivery.deleteFile });
      return { kind: 'posted', channelId: '', ts: '' };
    }
    if ('approvals' in delivery) return this.post(await this.approvalsChannelOf(), delivery.approvals);
    if ('security' in delivery) return this.post(await this.securityChannelOf(), delivery.security);
    if ('thread' in delivery) {
      const { channel, ts } = delivery.thread;
      const posted = await this.client.chat.postMessage({
        channel,
        thread_ts: ts,
        text: delivery.message.text,
        blocks: delivery.message.blocks,
        unfurl_links: false,
        unfurl_media: false,
      });
      return { kind: 'posted', channelId: posted.channel ?? channel, ts: posted.ts ?? '' };
    }
    if ('update' in delivery) {
      const { channel, ts } = delivery.update;
      const updated = await this.client.chat.update({ channel, ts, text: delivery.message.text, blocks: delivery.message.blocks });
      return { kind: 'posted', channelId: updated.channel ?? channel, ts: updated.ts ?? ts };
    }
    const opened = await this.client.conversations.open({ users: delivery.dm });
    const channel = opened.channel?.id;
    if (channel === undefined) return { kind: 'rejected', error: 'conversations.open returned no channel' };
    return this.post(channel, delivery.message);
  }

  async send(message: NotificationMessage): Promise<DeliveryOutcome | { kind: 'gone' }> {
    let destinationErrors: ReadonlySet<string> = new Set();
    try {
      const delivery = await renderNotification(message, { permalink: (channel, ts) => this.permalink(channel, ts) });
      if ('approvals' in delivery || 'update' in delivery || 'security' in delivery) destinationErrors = CHANNEL_ERRORS;
      return await this.deliver(delivery);
    } catch (error) {
      if (error instanceof WebAPIPlatformError && GONE_ERRORS.has(error.data.error)) return { kind: 'gone' };
      return outcomeOfError(error, destinationErrors);
    }
  }
}
