import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { isAppError } from '../../../errors.js';
import { BLOCK } from '../../ids.js';
import { parseExtendKeyState, parseModalOrigin } from '../../input/views.js';
import { errorText } from '../../replies.js';
import { refreshSurface } from '../../surfaces.js';
import { escapeText, expiryText } from '../../views/format.js';
import type { ListenerContext } from '../context.js';

export function extendKeySubmission(ctx: ListenerContext) {
  return async ({ ack, body, view, client }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const { services, logger } = ctx;
    const userId = body.user.id;
    const origin = parseModalOrigin(view.private_metadata);
    const parsed = parseExtendKeyState(view.state.values, services.now());
    if (!parsed.ok) {
      await ack({ response_action: 'errors', errors: parsed.errors });
      return;
    }
    if (origin.keyId === undefined) {
      await ack({ response_action: 'errors', errors: { [BLOCK.extendChoice]: 'This form lost track of its key. Please open it again.' } });
      return;
    }
    let result;
    try {
      result = await services.keys.extend(userId, origin.keyId, parsed.value);
    } catch (error) {
      const blockId = isAppError(error, 'INVALID_EXPIRY') || isAppError(error, 'POLICY_VIOLATION') ? BLOCK.expiryAt : BLOCK.extendChoice;
      await ack({ response_action: 'errors', errors: { [blockId]: errorText(error, logger, { userId, view: 'extend' }) } });
      return;
    }
    await ack();
    const notice = `:white_check_mark: *${escapeText(result.key.name)}* now expires: ${expiryText(result.key.expiresAt)}.`;
    // Opened by a slash command or a warning DM, nothing of ours is on screen to replace: post anew.
    const fromCommand = origin.source === 'command' || origin.source === 'warning';
    const surface = origin.source === 'command' || origin.source === 'warning' ? 'outcome' : origin.source;
    await refreshSurface({ services, client, surface, userId, keyId: result.key.id, notice, responseUrl: origin.responseUrl, replaceOriginal: !fromCommand }).catch((error: unknown) =>
      logger.warn('could not show the extend outcome', { error }),
    );
  };
}
