import { z } from 'zod';
import { stepUp, type SteppedAction } from '../../step-up.js';
import { mention } from '../../views/format.js';
import { noticeMessage } from '../../views/messages.js';
import type { ListenerContext } from '../context.js';
import { clickFacts, type ButtonArgs } from './button.js';

/** The approval itself, behind the step-up gate (src/slack/step-up.ts). */
export const approveRequestAction: SteppedAction<{ requestId: string; channel?: string; ts?: string }> = {
  name: 'approve_request',
  payload: z.object({ requestId: z.string().min(1).max(64), channel: z.string().max(32).optional(), ts: z.string().max(32).optional() }),
  describe: () => 'You are approving this API-access request.',
  async run(ctx, { userId, payload, once, reply }) {
    // The card update and the requester's DM are queued with the decision (notification outbox).
    const result = await ctx.services.access.decide(
      userId,
      { requestId: payload.requestId, decision: 'approve' },
      { once, card: { channel: payload.channel, ts: payload.ts } },
    );
    // A second click, a Slack retry or a replayed request: nothing changed, and the clicker hears the same answer.
    if (result.outcome === 'already' || result.outcome === 'replayed') {
      await reply(
        noticeMessage(
          `That request was already ${result.request.status}${result.request.decidedBy === null ? '' : ` by ${mention(result.request.decidedBy)}`}. Nothing changed.`,
        ),
      );
      return;
    }
    if (result.outcome === 'recorded' || result.outcome === 'already_approved') {
      const count = `${result.request.approvals.length} of ${result.required}`;
      await reply(
        noticeMessage(
          result.outcome === 'recorded'
            ? `Your approval is recorded (${count}). Another admin must approve too; the card shows who has.`
            : `You already approved this request (${count}); the same admin counts once. Another admin must approve.`,
        ),
      );
      return;
    }
    if (result.outcome === 'expired') await reply(noticeMessage('That request had expired; the requester can ask again.'));
  },
};

/** Approve on the approvals card: admins only, decided once; the card and the requester learn the outcome. */
export const approveRequestButton =
  (ctx: ListenerContext) =>
  async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const click = clickFacts(args);
    const container = args.body.container as { channel_id?: string; message_ts?: string };
    // With step-up on, a non-admin (or the requester) is refused, and audited, before any code is asked for.
    if (ctx.services.mfa.stepUpRequired()) await ctx.services.access.checkDecider(click.userId, click.value, 'approve');
    await stepUp(ctx, approveRequestAction, {
      client: args.client,
      userId: click.userId,
      triggerId: click.triggerId,
      once: click.once,
      responseUrl: click.responseUrl,
      payload: { requestId: click.value, channel: container.channel_id, ts: container.message_ts },
    });
  };
