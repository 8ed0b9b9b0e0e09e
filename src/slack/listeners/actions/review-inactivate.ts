import type { ListenerContext } from '../context.js';
import type { ButtonArgs } from './button.js';
import { answerReviewClick } from './review-answer.js';

/** Make inactive in a review DM. */
export const reviewInactivateButton =
  (ctx: ListenerContext) =>
  async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    await answerReviewClick(args, ctx, 'inactivate');
  };
