import type { SlackListeners } from '../registry.js';
import { VIEW } from '../../ids.js';
import type { ListenerContext } from '../context.js';
import { createKeyErrorField, createKeySubmission } from './create-key.js';
import { denyRequestErrorField, denyRequestSubmission } from './deny-request.js';
import { extendKeyErrorField, extendKeySubmission } from './extend-key.js';
import { keyNetworksErrorField, keyNetworksSubmission } from './key-networks.js';
import { reviewKeepReasonErrorField, reviewKeepReasonSubmission } from './review-keep-reason.js';
import { streamsErrorField, streamsSubmission } from './streams.js';
import { mfaConfirmErrorField, mfaConfirmSubmission } from './mfa-confirm.js';
import { stepUpErrorField, stepUpSubmission } from './step-up.js';

export function register(app: SlackListeners, ctx: ListenerContext): void {
  app.view(VIEW.createKey, createKeySubmission(ctx), { fieldOf: createKeyErrorField });
  app.view(VIEW.extendKey, extendKeySubmission(ctx), { fieldOf: extendKeyErrorField });
  app.view(VIEW.keyNetworks, keyNetworksSubmission(ctx), { fieldOf: keyNetworksErrorField });
  app.view(VIEW.denyRequest, denyRequestSubmission(ctx), { fieldOf: denyRequestErrorField });
  app.view(VIEW.reviewKeepReason, reviewKeepReasonSubmission(ctx), { fieldOf: reviewKeepReasonErrorField });
  app.view(VIEW.streams, streamsSubmission(ctx), { fieldOf: streamsErrorField });
  app.view(VIEW.stepUp, stepUpSubmission(ctx), { fieldOf: stepUpErrorField });
  app.view(VIEW.mfaConfirm, mfaConfirmSubmission(ctx), { fieldOf: mfaConfirmErrorField });
}
