import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { BLOCK } from '../../ids.js';
import { parseDenyRequest } from '../../input/views.js';
import { onceForView } from '../../replay.js';
import type { ListenerContext } from '../context.js';

/** The deny modal has one field: every refusal is shown by it. */
export const denyRequestErrorField = (): string => BLOCK.denyReason;

/** The deny modal's submission: decided once; a second decision (double submit) changes nothing. */
export function denyRequestSubmission(ctx: ListenerContext) {
  return async ({ ack, body, view }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const userId = body.user.id;
    const parsed = parseDenyRequest(view.private_metadata, view.state.values);
    if (!parsed.ok) {
      await ack({ response_action: 'errors', errors: parsed.errors });
      return;
    }
    const { requestId, reason, card } = parsed.value;
    const result = await ctx.services.access.decide(userId, { requestId, decision: 'deny', reason }, { once: onceForView(view), card });
    if (result.outcome === 'replayed') {
      // The first delivery of this submission decided and closed the modal; the replay changes nothing.
      await ack();
      return;
    }
    if (result.outcome === 'already') {
      await ack({
        response_action: 'errors',
        errors: { [BLOCK.denyReason]: `Another admin already decided: the request is ${result.request.status}.` },
      });
      return;
    }
    // The card update and the requester's DM went into the notification outbox with the decision.
    await ack();
  };
}
