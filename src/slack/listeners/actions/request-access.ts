import { postRequestCard } from '../../approvals.js';
import { postToResponseUrl } from '../../delivery/response-url.js';
import { errorReply } from '../../replies.js';
import { publishHome } from '../../surfaces.js';
import { keyOutcomeMessage } from '../../views/keys.js';
import type { ListenerContext } from '../context.js';
import { clickFacts, type ButtonArgs } from './button.js';

/** "Request API access", shown wherever a user without access is refused. */
export const requestAccessButton = (ctx: ListenerContext) => async (args: ButtonArgs): Promise<void> => {
  await args.ack();
  const click = clickFacts(args);
  let notice: string;
  try {
    const request = await ctx.services.access.request(click.userId, undefined, ctx.config.accessRequestTtlDays);
    await postRequestCard(args.client, ctx.services, ctx.config.approvalsChannelId, request);
    notice = ':incoming_envelope: Your request for API access went to the admins. You will get a DM when one of them decides.';
  } catch (error) {
    notice = `:warning: ${errorReply(error, ctx.logger, { userId: click.userId }).text}`;
  }
  if (click.inHome) await publishHome(args.client, ctx.services, click.userId, notice).catch(() => undefined);
  else if (click.responseUrl !== undefined) await postToResponseUrl(click.responseUrl, { response_type: 'ephemeral', replace_original: true, ...keyOutcomeMessage(notice) }).catch(() => undefined);
};
