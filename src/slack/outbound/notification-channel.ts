import { WebAPIPlatformError, type WebClient } from '@slack/web-api';
import type { DeliveryOutcome } from '../../domain/delivery.js';
import type { NotificationChannel, NotificationMessage } from '../../domain/notifications.js';
import type { Message } from '../views/blocks.js';
import { accessRequestCard, decisionDm } from '../views/approvals.js';
import { keyRow } from '../surfaces.js';
import {
  keyReportedCompromisedMessage,
  keysDeletedByRoleMessage,
  messageLink,
  requestReminderMessage,
  staleKeyInactivatedMessage,
  staleKeyNoticeMessage,
} from '../views/notifications.js';
import { ownerNoticeMessage } from '../views/owner-notice.js';
import { undeliveredKeyDm } from '../views/undelivered.js';
import { outcomeOfError } from './outcome.js';

/** For the approvals channel these mean "misconfigured destination": hold everything and alert. */
const CHANNEL_ERRORS = new Set(['channel_not_found', 'not_in_channel', 'is_archived']);
/** The thing to change is gone already (a deleted card, a file the user removed): nothing left to do. */
const GONE_ERRORS = new Set(['message_not_found', 'file_not_found', 'file_deleted', 'cant_update_message']);

/**
 * Sends the notification outbox's messages (decision DMs, card updates, reminders, role-deletion DMs,
 * stale-key notices, key API owner DMs, undelivered-key DMs, compromised-key DMs) and deletes secret files, through its own WebClient (no retries: the worker decides).
 */
export class SlackNotificationChannel implements NotificationChannel {
  constructor(
    private readonly client: WebClient,
    private readonly approvalsChannelId: string,
  ) {}

  private async dm(userId: string, message: Message): Promise<DeliveryOutcome> {
    const opened = await this.client.conversations.open({ users: userId });
    const channel = opened.channel?.id;
    if (channel === undefined) return { kind: 'rejected', error: 'conversations.open returned no channel' };
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

  async send(message: NotificationMessage): Promise<DeliveryOutcome | { kind: 'gone' }> {
    try {
      switch (message.kind) {
        case 'request.decision_dm':
          return await this.dm(message.request.userId, decisionDm(message.request));
        case 'request.card_update': {
          const card = accessRequestCard(message.request, message.roleNames);
          const updated = await this.client.chat.update({ channel: message.channel, ts: message.ts, text: card.text, blocks: card.blocks });
          return { kind: 'posted', channelId: updated.channel ?? message.channel, ts: updated.ts ?? message.ts };
        }
        case 'request.reminder': {
          const { request } = message;
          const link =
            request.cardChannel !== null && request.cardTs !== null ? await this.permalink(request.cardChannel, request.cardTs) : null;
          const reminder = requestReminderMessage(request, message.roleNames, message.ageMs, link);
          const posted = await this.client.chat.postMessage({
            channel: this.approvalsChannelId,
            text: reminder.text,
            blocks: reminder.blocks,
            unfurl_links: false,
            unfurl_media: false,
          });
          return { kind: 'posted', channelId: posted.channel ?? this.approvalsChannelId, ts: posted.ts ?? '' };
        }
        case 'keys_deleted.dm':
          return await this.dm(message.ownerId, keysDeletedByRoleMessage(message.cause, message.roleName, message.keys));
        case 'stale_key.notice': {
          const row = keyRow(message.key, message.roleName === null ? undefined : { name: message.roleName }, new Date(message.now));
          return await this.dm(message.key.ownerId, staleKeyNoticeMessage(row, message.unusedSince, message.autoInactiveAt));
        }
        case 'stale_key.inactivated_dm':
          return await this.dm(message.ownerId, staleKeyInactivatedMessage(message.keyId, message.keyName));
        case 'secret_file.delete':
          await this.client.files.delete({ file: message.fileId });
          return { kind: 'posted', channelId: '', ts: '' };
        case 'key_api.owner_dm':
          return await this.dm(message.notice.ownerId, ownerNoticeMessage(message.notice));
        case 'undelivered_key.dm':
          return await this.dm(message.notice.ownerId, undeliveredKeyDm(message.notice));
        case 'key_compromised.owner_dm':
          return await this.dm(
            message.key.ownerId,
            keyReportedCompromisedMessage(keyRow(message.key, message.role, new Date(message.now)), message.reporterId),
          );
      }
    } catch (error) {
      if (error instanceof WebAPIPlatformError && GONE_ERRORS.has(error.data.error)) return { kind: 'gone' };
      return outcomeOfError(
        error,
        message.kind === 'request.reminder' || message.kind === 'request.card_update' ? CHANNEL_ERRORS : new Set(),
      );
    }
  }
}
