import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { BLOCK } from '../../ids.js';
import { parseReviewKeepReason } from '../../input/views.js';
import { onceForView } from '../../replay.js';
import { reviewAnsweredDm } from '../../views/reviews.js';
import type { ListenerContext } from '../context.js';

/** The modal has one field: every refusal is shown by it. */
export const reviewKeepReasonErrorField = (): string => BLOCK.reviewReason;

/** Why a System Admin key is kept: the answer is recorded with the reason, then the review DM shows it. */
export function reviewKeepReasonSubmission(ctx: ListenerContext) {
  return async ({ ack, body, view, client }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const parsed = parseReviewKeepReason(view.private_metadata, view.state.values);
    if (!parsed.ok) {
      await ack({ response_action: 'errors', errors: parsed.errors });
      return;
    }
    const { campaignId, keyId, dm, reason } = parsed.value;
    const result = await ctx.services.reviews.answer(
      body.user.id,
      { campaignId, keyId, decision: 'keep', reason },
      { once: onceForView(view) },
    );
    if (result.outcome === 'already' && result.item.decision === null) {
      await ack({ response_action: 'errors', errors: { [BLOCK.reviewReason]: 'That review is closed; nothing changed.' } });
      return;
    }
    await ack();
    if (dm.channel === undefined || dm.ts === undefined) return;
    await client.chat
      .update({ channel: dm.channel, ts: dm.ts, ...reviewAnsweredDm(result.item) })
      .catch((error: unknown) => ctx.logger.warn('could not update a review DM', { error, userId: body.user.id }));
  };
}
