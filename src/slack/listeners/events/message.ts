import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { parseWatchedMessage } from '../../input/message-event.js';
import type { ListenerContext } from '../context.js';

/**
 * The leak watch (docs/leak-response.md): every message and edit in a conversation the app is a member
 * of is searched for secrets; each one that is a live key's gets the leak action. Only people's
 * messages: the app's own (and other bots') are skipped. The sighting is the channel and the message's
 * ts, so Slack's retries of the event, and an edit that still holds the same secret, change nothing more.
 */
export const messagePosted =
  (ctx: ListenerContext) =>
  async ({ event, context }: SlackEventMiddlewareArgs<'message'> & AllMiddlewareArgs): Promise<void> => {
    const message = parseWatchedMessage(event);
    if (message === undefined || message.secrets.length === 0) return;
    if (message.botId !== undefined || message.userId === context.botUserId) return;
    for (const secret of message.secrets) {
      const outcome = await ctx.services.leaks.report(secret, {
        source: 'slack',
        sightingId: `${message.channel}:${message.ts}`,
        channel: message.channel,
        ts: message.ts,
        posterId: message.userId,
      });
      if (outcome.kind === 'leaked')
        ctx.logger.warn('a key was posted in Slack', { keyId: outcome.keyId, channel: message.channel, inactivated: outcome.inactivated });
    }
  };
