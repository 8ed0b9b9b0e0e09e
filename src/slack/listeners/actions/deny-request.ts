import { denyReasonModal } from '../../views/approvals.js';
import { noticeMessage } from '../../views/messages.js';
import type { ListenerContext } from '../context.js';
import { clickFacts, type ButtonArgs } from './button.js';
import { tellClicker } from './tell.js';

/** Deny opens a small modal for an optional reason; non-admins are refused before it opens. */
export const denyRequestButton =
  (ctx: ListenerContext) =>
  async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const click = clickFacts(args);
    const container = args.body.container as { channel_id?: string; message_ts?: string };
    const request = await ctx.services.access.checkDecider(click.userId, click.value);
    if (request.status === 'pending') {
      const metadata = JSON.stringify({ requestId: request.id, channel: container.channel_id, ts: container.message_ts });
      await args.client.views.open({ trigger_id: click.triggerId, view: denyReasonModal(metadata) });
      return;
    }
    await tellClicker(args, ctx, noticeMessage(`That request was already ${request.status}. Nothing changed.`));
  };
