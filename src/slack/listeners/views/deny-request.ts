import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { z } from 'zod';
import { BLOCK, INPUT } from '../../ids.js';
import { onceForView } from '../../replay.js';
import type { ListenerContext } from '../context.js';

const metadata = z.object({ requestId: z.string().min(1).max(100), channel: z.string().optional(), ts: z.string().optional() });
const reasonState = z.object({ [BLOCK.denyReason]: z.object({ [INPUT.denyReason]: z.object({ value: z.string().max(500).nullish() }) }) });

/** The deny modal has one field: every refusal is shown by it. */
export const denyRequestErrorField = (): string => BLOCK.denyReason;

/** The deny modal's submission: decided once; a second decision (double submit) changes nothing. */
export function denyRequestSubmission(ctx: ListenerContext) {
  return async ({ ack, body, view }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const userId = body.user.id;
    let parsedMeta: z.infer<typeof metadata>;
    try {
      parsedMeta = metadata.parse(JSON.parse(view.private_metadata));
    } catch {
      await ack({
        response_action: 'errors',
        errors: { [BLOCK.denyReason]: 'This form lost track of its request. Please press Deny again.' },
      });
      return;
    }
    const state = reasonState.safeParse(view.state.values);
    if (!state.success) {
      await ack({ response_action: 'errors', errors: { [BLOCK.denyReason]: 'Keep the reason under 500 characters.' } });
      return;
    }
    const result = await ctx.services.access.decide(
      userId,
      { requestId: parsedMeta.requestId, decision: 'deny', reason: state.data[BLOCK.denyReason][INPUT.denyReason].value ?? undefined },
      { once: onceForView(view), card: { channel: parsedMeta.channel, ts: parsedMeta.ts } },
    );
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
