import { announceDecision } from '../../approvals.js';
import { mention } from '../../views/format.js';
import { noticeMessage } from '../../views/messages.js';
import type { ListenerContext } from '../context.js';
import { clickFacts, type ButtonArgs } from './button.js';
import { tellClicker } from './tell.js';

/** Approve on the approvals card: admins only, decided once; the card and the requester learn the outcome. */
export const approveRequestButton = (ctx: ListenerContext) => async (args: ButtonArgs): Promise<void> => {
  await args.ack();
  const click = clickFacts(args);
  const container = args.body.container as { channel_id?: string; message_ts?: string };
  const result = await ctx.services.access.decide(click.userId, click.value, 'approve');
  if (result.outcome === 'already') {
    await tellClicker(args, ctx, noticeMessage(`That request was already ${result.request.status}${result.request.decidedBy === null ? '' : ` by ${mention(result.request.decidedBy)}`}. Nothing changed.`));
    return;
  }
  await announceDecision(args.client, ctx.services, ctx.logger, result.request, { channel: container.channel_id, ts: container.message_ts });
  if (result.outcome === 'expired') await tellClicker(args, ctx, noticeMessage('That request had expired; the requester can ask again.'));
};
