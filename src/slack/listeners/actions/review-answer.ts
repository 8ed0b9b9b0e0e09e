import { z } from 'zod';
import type { ReviewDecision } from '../../../domain/model.js';
import { postToResponseUrl } from '../../delivery/response-url.js';
import { reviewAnsweredDm } from '../../views/reviews.js';
import { noticeMessage } from '../../views/messages.js';
import type { ListenerContext } from '../context.js';
import { clickFacts, type ButtonArgs } from './button.js';
import { tellClicker } from './tell.js';

/** A review button's value: `<campaign id>:<key ID>`. */
export const reviewRef = z
  .string()
  .regex(/^rev_[0-9A-Za-z]{1,40}:ak_[0-9A-Za-z]{1,60}$/)
  .transform((value) => {
    const [campaignId = '', keyId = ''] = value.split(':');
    return { campaignId, keyId };
  });

/**
 * One answer in an access review's DM (docs/offboarding.md): decided once; the DM is replaced by the
 * answer. A second press, or a press after the deadline, hears what was decided.
 */
export async function answerReviewClick(args: ButtonArgs, ctx: ListenerContext, decision: ReviewDecision): Promise<void> {
  const click = clickFacts(args);
  const ref = reviewRef.safeParse(click.value);
  if (!ref.success) {
    await tellClicker(args, ctx, noticeMessage('That button is not part of a review I know.'));
    return;
  }
  const result = await ctx.services.reviews.answer(click.userId, { ...ref.data, decision }, { once: click.once });
  if (result.outcome === 'already' && result.item.decision === null) {
    await tellClicker(args, ctx, noticeMessage('That review is closed. Nothing changed.'));
    return;
  }
  if (click.responseUrl === undefined) return;
  await postToResponseUrl(click.responseUrl, { replace_original: true, ...reviewAnsweredDm(result.item) }).catch((error: unknown) =>
    ctx.logger.warn('could not replace a review DM', { error, userId: click.userId }),
  );
}
