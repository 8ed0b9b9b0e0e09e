import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { publishHome } from '../../surfaces.js';
import type { ListenerContext } from '../context.js';

export const appHomeOpened =
  (ctx: ListenerContext) =>
  async ({ event, client }: SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs): Promise<void> => {
    if (event.tab !== 'home') return;
    // A failure is logged by the error boundary: an event has nobody waiting for an answer.
    await publishHome(client, ctx, event.user);
  };
