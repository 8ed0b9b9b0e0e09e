import type { SlackListeners } from '../registry.js';
import { ACTION } from '../../ids.js';
import type { ListenerContext } from '../context.js';
import { activateKeyButton } from './activate-key.js';
import { approveRequestButton } from './approve-request.js';
import { confirmRoleDeletionButton, confirmRoleRemovalButton } from './confirm-role-change.js';
import { denyRequestButton } from './deny-request.js';
import { requestAccessButton } from './request-access.js';
import { rotateKeyButton } from './rotate-key.js';
import { reportCompromisedButton } from './report-compromised.js';
import { cancelButton } from './cancel.js';
import { createKeyButton } from './create-key.js';
import { deactivateKeyButton } from './deactivate-key.js';
import { deleteKeyButton } from './delete-key.js';
import { extendKeyButton } from './extend-key.js';
import { hideSecretButton } from './hide-secret.js';
import { showKeyButton } from './show-key.js';
import { keepKeyButton } from './keep-key.js';
import { streamButton } from './stream-button.js';
import { mfaConfirmButton } from './mfa-confirm.js';

export function register(app: SlackListeners, ctx: ListenerContext): void {
  app.action(ACTION.extendKey, extendKeyButton(ctx));
  app.action(ACTION.deactivateKey, deactivateKeyButton(ctx), { onError: 'refresh-key' });
  app.action(ACTION.activateKey, activateKeyButton(ctx), { onError: 'refresh-key' });
  app.action(ACTION.deleteKey, deleteKeyButton(ctx), { onError: 'refresh-key' });
  app.action(ACTION.showKey, showKeyButton(ctx));
  app.action(ACTION.hideSecret, hideSecretButton(ctx));
  app.action(ACTION.cancel, cancelButton(ctx));
  app.action(ACTION.createKey, createKeyButton(ctx));
  app.action(ACTION.requestAccess, requestAccessButton(ctx));
  app.action(ACTION.rotateKey, rotateKeyButton(ctx));
  app.action(ACTION.approveRequest, approveRequestButton(ctx));
  app.action(ACTION.denyRequest, denyRequestButton(ctx));
  app.action(ACTION.confirmRoleDeletion, confirmRoleDeletionButton(ctx), { onError: 'replace-message' });
  app.action(ACTION.confirmRoleRemoval, confirmRoleRemovalButton(ctx), { onError: 'replace-message' });
  app.action(ACTION.keepKey, keepKeyButton(ctx));
  app.action(ACTION.reportCompromised, reportCompromisedButton(ctx), { onError: 'refresh-key' });
  for (const id of [ACTION.streamPause, ACTION.streamResume, ACTION.streamTest, ACTION.streamVerify, ACTION.streamDelete])
    app.action(id, streamButton(ctx));
  app.action(ACTION.mfaConfirm, mfaConfirmButton(ctx));
}
