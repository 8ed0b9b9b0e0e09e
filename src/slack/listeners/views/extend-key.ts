import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { AppError } from '../../../errors.js';
import { BLOCK } from '../../ids.js';
import { parseExtendKeyState, parseModalOrigin } from '../../input/views.js';
import { onceForView } from '../../replay.js';
import { refreshSurface } from '../../surfaces.js';
import { escapeText, expiryText } from '../../views/format.js';
import type { ListenerContext } from '../context.js';

/** Where the error boundary shows a refusal: a bad date by the date picker, anything else by the choice. */
export const extendKeyErrorField = (error: AppError): string =>
  error.code === 'INVALID_EXPIRY' || error.code === 'POLICY_VIOLATION' ? BLOCK.expiryAt : BLOCK.extendChoice;

export function extendKeySubmission(ctx: ListenerContext) {
  return async ({ ack, body, view, client }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const { services, logger } = ctx;
    const userId = body.user.id;
    const origin = parseModalOrigin(view.private_metadata);
    const parsed = parseExtendKeyState(view.state.values, ctx.now());
    if (!parsed.ok) {
      await ack({ response_action: 'errors', errors: parsed.errors });
      return;
    }
    if (origin.keyId === undefined) {
      await ack({ response_action: 'errors', errors: { [BLOCK.extendChoice]: 'This form lost track of its key. Please open it again.' } });
      return;
    }
    const result = await services.keys.extend(userId, { reference: origin.keyId, expiry: parsed.value }, { once: onceForView(view) });
    await ack();
    // A replay of this submission (a Slack retry): the first one already changed and told.
    if (!result.changed) return;
    const notice = `:white_check_mark: *${escapeText(result.key.name)}* now expires: ${expiryText(result.key.expiresAt)}.`;
    // Opened by a slash command or a warning DM, nothing of ours is on screen to replace: post anew.
    const fromCommand = origin.source === 'command' || origin.source === 'warning';
    const surface = origin.source === 'command' || origin.source === 'warning' ? 'outcome' : origin.source;
    await refreshSurface({
      ctx,
      client,
      surface,
      userId,
      keyId: result.key.id,
      notice,
      responseUrl: origin.responseUrl,
      replaceOriginal: !fromCommand,
    }).catch((error: unknown) => logger.warn('could not show the extend outcome', { error }));
  };
}
