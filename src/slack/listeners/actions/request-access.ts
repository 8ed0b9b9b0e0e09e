import { postRequestCard } from '../../approvals.js';
import { channelSources } from '../../channels.js';
import { noticeMessage } from '../../views/messages.js';
import type { ListenerContext } from '../context.js';
import { clickFacts, type ButtonArgs } from './button.js';
import { tellClicker } from './tell.js';

/** "Request API access", shown wherever a user without access is refused. */
export const requestAccessButton =
  (ctx: ListenerContext) =>
  async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const click = clickFacts(args);
    const request = await ctx.services.access.request(click.userId, { ttlDays: ctx.config.accessRequestTtlDays }, { once: click.once });
    await postRequestCard(args.client, ctx.services, await channelSources(ctx.services, ctx.config).approvals(), request);
    await tellClicker(
      args,
      ctx,
      noticeMessage(':incoming_envelope: Your request for API access went to the admins. You will get a DM when one of them decides.'),
    );
  };
