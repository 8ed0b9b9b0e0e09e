import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { BLOCK } from '../../ids.js';
import { onceForView } from '../../replay.js';
import { codeRefusal } from '../../views/mfa.js';
import { sendDm } from '../../delivery/dm.js';
import { noticeMessage } from '../../views/messages.js';
import type { ListenerContext } from '../context.js';
import { typedCode } from './step-up.js';

export const mfaConfirmErrorField = (): string => BLOCK.mfaCode;

/** The enrolment's first code: right → enrolled (audited) and told by DM; anything else is said inline. */
export function mfaConfirmSubmission(ctx: ListenerContext) {
  return async ({ ack, body, view, client }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const userId = body.user.id;
    const outcome = await ctx.services.mfa.confirmEnrolment(userId, typedCode(view.state.values), { once: onceForView(view) });
    if (!outcome.ok) {
      await ack({ response_action: 'errors', errors: { [BLOCK.mfaCode]: codeRefusal(outcome) } });
      return;
    }
    await ack();
    if (outcome.replayed) return;
    await sendDm(
      client,
      userId,
      noticeMessage(':white_check_mark: Step-up codes are set up. Deciding actions will ask for a code when step-up is on.'),
    ).catch((error: unknown) => ctx.logger.warn('could not confirm an enrolment by DM', { error, userId }));
  };
}
