import { mention } from '../../views/format.js';
import { noticeMessage } from '../../views/messages.js';
import type { ListenerContext } from '../context.js';
import { clickFacts, type ButtonArgs } from './button.js';
import { tellClicker } from './tell.js';

/** Approve on the approvals card: admins only, decided once; the card and the requester learn the outcome. */
export const approveRequestButton =
  (ctx: ListenerContext) =>
  async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const click = clickFacts(args);
    const container = args.body.container as { channel_id?: string; message_ts?: string };
    // The card update and the requester's DM are queued with the decision (notification outbox).
    const result = await ctx.services.access.decide(
      click.userId,
      { requestId: click.value, decision: 'approve' },
      { once: click.once, card: { channel: container.channel_id, ts: container.message_ts } },
    );
    // A second click, a Slack retry or a replayed request: nothing changed, and the clicker hears the same answer.
    if (result.outcome === 'already' || result.outcome === 'replayed') {
      await tellClicker(
        args,
        ctx,
        noticeMessage(
          `That request was already ${result.request.status}${result.request.decidedBy === null ? '' : ` by ${mention(result.request.decidedBy)}`}. Nothing changed.`,
        ),
      );
      return;
    }
    if (result.outcome === 'recorded' || result.outcome === 'already_approved') {
      const count = `${result.request.approvals.length} of ${result.required}`;
      await tellClicker(
        args,
        ctx,
        noticeMessage(
          result.outcome === 'recorded'
            ? `Your approval is recorded (${count}). Another admin must approve too; the card shows who has.`
            : `You already approved this request (${count}); the same admin counts once. Another admin must approve.`,
        ),
      );
      return;
    }
    if (result.outcome === 'expired') await tellClicker(args, ctx, noticeMessage('That request had expired; the requester can ask again.'));
  };
