import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { publishHome } from '../../surfaces.js';
import type { ListenerContext } from '../context.js';

export const appHomeOpened = (ctx: ListenerContext) => async ({ event, client }: SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs): Promise<void> => {
  if (event.tab !== 'home') return;
  await publishHome(client, ctx.services, event.user).catch((error: unknown) => ctx.logger.warn('could not publish App Home', { error, userId: event.user }));
};
