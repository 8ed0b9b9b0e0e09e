import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { BLOCK } from '../../ids.js';
import { parseModalOrigin, parseNetworksState } from '../../input/views.js';
import { onceForView } from '../../replay.js';
import { refreshSurface } from '../../surfaces.js';
import { escapeText, networksText } from '../../views/format.js';
import type { ListenerContext } from '../context.js';

/** Every refusal of this modal is about the ranges. */
export const keyNetworksErrorField = (): string => BLOCK.networks;

/** `/accesskey networks <key>` submitted: bad ranges are answered inside the modal, one message each. */
export function keyNetworksSubmission(ctx: ListenerContext) {
  return async ({ ack, body, view, client }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const { services, logger } = ctx;
    const userId = body.user.id;
    const origin = parseModalOrigin(view.private_metadata);
    const parsed = parseNetworksState(view.state.values);
    if (!parsed.ok) {
      await ack({ response_action: 'errors', errors: parsed.errors });
      return;
    }
    if (origin.keyId === undefined) {
      await ack({ response_action: 'errors', errors: { [BLOCK.networks]: 'This form lost track of its key. Please open it again.' } });
      return;
    }
    const result = await services.keys.setNetworks(userId, { reference: origin.keyId, ...parsed.value }, { once: onceForView(view) });
    await ack();
    if (result.replayed === true) return;
    const notice = result.changed
      ? `:white_check_mark: *${escapeText(result.key.name)}* may now be used from: ${networksText(result.key)}.`
      : `*${escapeText(result.key.name)}* already had those networks; nothing changed.`;
    await refreshSurface({
      ctx,
      client,
      surface: 'outcome',
      userId,
      keyId: result.key.id,
      notice,
      responseUrl: origin.responseUrl,
      replaceOriginal: false,
    }).catch((error: unknown) => logger.warn('could not show the networks outcome', { error }));
  };
}
