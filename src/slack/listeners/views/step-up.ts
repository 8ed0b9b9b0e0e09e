import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { z } from 'zod';
import { BLOCK, INPUT } from '../../ids.js';
import { onceForView } from '../../replay.js';
import { replyVia, stepUpMetadata } from '../../step-up.js';
import { errorModal } from '../../views/error-views.js';
import { codeRefusal } from '../../views/mfa.js';
import type { ListenerContext } from '../context.js';
import { STEPPED_ACTIONS } from '../stepped-actions.js';

/** Every refusal of the code modal is shown under its one field. */
export const stepUpErrorField = (): string => BLOCK.mfaCode;

const jsonText = z.string().transform((text, ctx) => {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    ctx.addIssue({ code: 'custom', message: 'not JSON' });
    return z.NEVER;
  }
});

/** The code typed into a modal (both the step-up and the enrolment one). */
export const typedCode = (values: Record<string, Record<string, { value?: string | null }>>): string =>
  values[BLOCK.mfaCode]?.[INPUT.mfaCode]?.value ?? '';

/**
 * The code modal's submission (src/slack/step-up.ts): the code is checked first; only a passing code
 * runs the action named in the metadata, once (a replayed submission changes nothing).
 */
export function stepUpSubmission(ctx: ListenerContext) {
  return async ({ ack, body, view, client }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const userId = body.user.id;
    const metadata = jsonText.pipe(stepUpMetadata).safeParse(view.private_metadata);
    const action = metadata.success ? STEPPED_ACTIONS.find((a) => a.name === metadata.data.a) : undefined;
    const payload = action === undefined || !metadata.success ? undefined : action.payload.safeParse(metadata.data.p);
    if (!metadata.success || action === undefined || payload === undefined || !payload.success) {
      await ack({ response_action: 'update', view: errorModal('This dialog no longer matches anything. Nothing changed; start again.') });
      return;
    }
    const once = onceForView(view);
    const outcome = await ctx.services.mfa.checkStepUp(userId, typedCode(view.state.values), { once });
    if (!outcome.ok) {
      await ack({ response_action: 'errors', errors: { [BLOCK.mfaCode]: codeRefusal(outcome) } });
      return;
    }
    const input = { client, userId, payload: payload.data, once, reply: replyVia(ctx, metadata.data.r, userId) };
    // An action that opens a modal of its own (the streams modal) takes the code modal's place.
    if (action.view !== undefined && !outcome.replayed) {
      await ack({ response_action: 'update', view: await action.view(ctx, input) });
      return;
    }
    await ack();
    // The first delivery of this submission ran the action already.
    if (outcome.replayed) return;
    await action.run(ctx, input);
  };
}
