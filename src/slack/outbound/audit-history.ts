import { WebClient } from '@slack/web-api';
import type { MirroredHash, MirrorHistory } from '../../domain/audit-verify.js';
import { auditHashesInMessage } from '../views/audit-message.js';

/** Bounds on one cross-check: 50 pages of 200 messages covers 10,000 posts (digests carry up to AUDIT_DIGEST_MAX_RECORDS, 25, records each). */
const PAGE_SIZE = 200;
const MAX_PAGES = 50;

interface HistoryMessage {
  user?: string;
  bot_id?: string;
  text?: string;
  blocks?: unknown[];
}

/**
 * Reads the record hashes the audit mirror posted to the security channel (`conversations.history`,
 * which needs `channels:history`, or `groups:history` for a private channel). Only the bot's own
 * messages count, so a person posting look-alike text cannot vouch for a record.
 */
export function slackMirrorHistory(client: WebClient, channelId: string): MirrorHistory {
  return async (): Promise<MirroredHash[]> => {
    const self = await client.auth.test();
    const botUser = typeof self.user_id === 'string' ? self.user_id : undefined;
    const botId = typeof self.bot_id === 'string' ? self.bot_id : undefined;
    const found: MirroredHash[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const result = await client.conversations.history({
        channel: channelId,
        limit: PAGE_SIZE,
        ...(cursor === undefined ? {} : { cursor }),
      });
      for (const message of (result.messages ?? []) as HistoryMessage[]) {
        const fromBot = (botUser !== undefined && message.user === botUser) || (botId !== undefined && message.bot_id === botId);
        if (fromBot) found.push(...auditHashesInMessage(message));
      }
      cursor = result.response_metadata?.next_cursor;
      if (result.has_more !== true || cursor === undefined || cursor === '') break;
    }
    return found;
  };
}

/** For `npm run audit:verify`, which has a token but no running app. */
export function mirrorHistoryWithToken(slack: { botToken: string; channelId: string; apiUrl: string }): MirrorHistory {
  return slackMirrorHistory(new WebClient(slack.botToken, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 2 } }), slack.channelId);
}
