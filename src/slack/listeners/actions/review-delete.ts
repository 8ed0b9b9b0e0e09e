import type { ListenerContext } from '../context.js';
import type { ButtonArgs } from './button.js';
import { answerReviewClick } from './review-answer.js';

/** Delete in a review DM (behind a confirmation dialog). */
export const reviewDeleteButton =
  (ctx: ListenerContext) =>
  async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    await answerReviewClick(args, ctx, 'delete');
  };
