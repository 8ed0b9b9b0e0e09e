import { secretFileLifetime } from '../../delivery/secret-file.js';
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { AppError, ErrorCode } from '../../../errors.js';
import { deliverSecret } from '../../delivery/secret.js';
import { postToResponseUrl } from '../../delivery/response-url.js';
import { BLOCK } from '../../ids.js';
import { parseCreateKeyState, parseModalOrigin } from '../../input/views.js';
import { publishHome } from '../../surfaces.js';
import { escapeText } from '../../views/format.js';
import { HOME_CREATED_NOTE, homeCreatedNotice } from '../../views/messages.js';
import type { ListenerContext } from '../context.js';

/** Domain refusals that belong next to a field of the modal, so the user fixes and resubmits. */
const BLOCK_FOR_CODE: Partial<Record<ErrorCode, string>> = { INVALID_EXPIRY: BLOCK.expiryAt, POLICY_VIOLATION: BLOCK.expiryAt };

/** Where the error boundary shows a refusal of this modal: by the field it is about, else by the name. */
export const createKeyErrorField = (error: AppError): string =>
  error.details.field === 'permissions' ? `${BLOCK.permissions}_0` : (BLOCK_FOR_CODE[error.code] ?? BLOCK.name);

/**
 * Validates and creates before acknowledging, so every refusal (a past date, a duplicate name, the
 * last slot taken meanwhile) appears inside the still-open modal. The key is committed before the
 * ack; the secret goes out only after it.
 */
export function createKeySubmission(ctx: ListenerContext) {
  return async ({ ack, body, view, client }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const { services, logger } = ctx;
    const userId = body.user.id;
    const origin = parseModalOrigin(view.private_metadata);
    const parsed = parseCreateKeyState(view.state.values, ctx.now());
    if (!parsed.ok) {
      await ack({ response_action: 'errors', errors: parsed.errors });
      return;
    }
    // The view id makes a replayed submission (a double click, a Slack retry) find the first key.
    // A refusal (a past date, a duplicate name, the last slot taken meanwhile) is thrown before the ack,
    // so the error boundary shows it inside the still-open modal (createKeyErrorField).
    const result = await services.keys.create(
      userId,
      {
        name: parsed.value.name,
        expiry: parsed.value.expiry,
        permissions: parsed.value.permissions,
        networks: parsed.value.networks,
        networkReportOnly: parsed.value.reportOnly,
      },
      { once: view.id, deliverLater: true },
    );
    // The key is committed: a failed ack (a dropped socket) must not stop its secret from going out.
    await ack().catch((error: unknown) => logger.warn('ack failed after the key was created; delivering anyway', { error, userId }));
    if (!result.created) {
      const text = `*${escapeText(result.key.name)}* was already created from this form; its secret was shown once and is not shown again.`;
      if (origin.responseUrl !== undefined) {
        await postToResponseUrl(origin.responseUrl, { response_type: 'ephemeral', text, blocks: [] }).catch((error: unknown) =>
          logger.warn('could not answer a replayed create', { error, userId }),
        );
      }
      return;
    }
    const key = result.key;
    const fromHome = origin.source === 'home';
    const outcome = await ctx.inFlight.track(
      deliverSecret({
        client,
        logger,
        userId,
        key,
        roleName: result.role.name,
        secret: result.secret,
        responseUrl: origin.responseUrl,
        confirmDelivered: () => services.keys.confirmDelivery(key.id),
        discard: async () => {
          await services.keys.delete(userId, { reference: key.id, reason: 'secret_not_delivered' });
        },
        retryHint: 'Please try `/accesskey create` again in a moment.',
        csvLifetime: secretFileLifetime(ctx, ctx.config.notifications.secretFileTtlMs, key.id, userId),
        ...(fromHome ? { note: HOME_CREATED_NOTE } : {}),
      }),
    );
    if (fromHome)
      await publishHome(client, ctx, userId, homeCreatedNotice(key, outcome)).catch((error: unknown) =>
        logger.warn('home refresh failed', { error }),
      );
  };
}
