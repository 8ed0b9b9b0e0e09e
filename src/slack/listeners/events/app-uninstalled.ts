import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { ListenerContext } from '../context.js';

type EventArgs<E extends string> = SlackEventMiddlewareArgs<E> & AllMiddlewareArgs;

/** The event's own ids, so a redelivered event changes nothing twice. */
function onceOf(body: unknown): string | undefined {
  return typeof body === 'object' && body !== null && 'event_id' in body && typeof body.event_id === 'string'
    ? `event:${body.event_id}`
    : undefined;
}

/**
 * `app_uninstalled`, and `tokens_revoked` naming the bot: the installation is removed and every active key
 * becomes inactive, audited (SPEC §18). Only with an OAuth install: a token-configured app has nothing to remove.
 */
export const appUninstalled =
  (ctx: ListenerContext) =>
  async (args: EventArgs<'app_uninstalled'>): Promise<void> => {
    const result = await ctx.services.installations.remove(
      { reason: 'app_uninstalled', identity: { teamId: args.body.team_id ?? null } },
      { once: onceOf(args.body) },
    );
    if (result.removed) ctx.logger.warn('slack app uninstalled: installation removed, keys made inactive', { keys: result.count });
  };

export const tokensRevoked =
  (ctx: ListenerContext) =>
  async (args: EventArgs<'tokens_revoked'>): Promise<void> => {
    const bots = args.event.tokens.bot ?? [];
    if (bots.length === 0) return; // only user tokens: the app keeps working
    const result = await ctx.services.installations.remove(
      { reason: 'tokens_revoked', identity: { teamId: args.body.team_id ?? null } },
      { once: onceOf(args.body) },
    );
    if (result.removed) ctx.logger.warn('slack bot token revoked: installation removed, keys made inactive', { keys: result.count });
  };
