import { keepNeedsReason } from '../../../domain/reviews.js';
import { reviewKeepReasonModal } from '../../views/reviews.js';
import type { ListenerContext } from '../context.js';
import { clickFacts, type ButtonArgs } from './button.js';
import { answerReviewClick, reviewRef } from './review-answer.js';

/** Keep in a review DM; for a System Admin key it opens a modal asking why (the reason is required). */
export const reviewKeepButton =
  (ctx: ListenerContext) =>
  async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const click = clickFacts(args);
    const ref = reviewRef.safeParse(click.value);
    const item = ref.success ? await ctx.services.reviews.item(ref.data.campaignId, ref.data.keyId) : undefined;
    if (item !== undefined && item.decision === null && keepNeedsReason(item)) {
      const container = args.body.container as { channel_id?: string; message_ts?: string };
      const metadata = JSON.stringify({ ...(ref.success ? ref.data : {}), channel: container.channel_id, ts: container.message_ts });
      await args.client.views.open({ trigger_id: click.triggerId, view: reviewKeepReasonModal(metadata, item.keyName) });
      return;
    }
    await answerReviewClick(args, ctx, 'keep');
  };
