import { stepped, type SteppedAction } from '../step-up.js';
import { activateKeyAction } from './actions/activate-key.js';
import { leakFalsePositiveAction } from './actions/leak-decision.js';
import { approveRequestAction } from './actions/approve-request.js';
import { roleDeletionAction } from './actions/confirm-role-change.js';
import { offboardingCardAction } from './actions/offboarding-card.js';
import { grantAccessAction } from './commands/accesskey/admin/access.js';
import { revokeKeyAction } from './commands/accesskey/admin/keys.js';
import { transferKeyAction } from './commands/accesskey/admin/transfer.js';
import { openStreamsAction } from './commands/accesskey/admin/streams.js';

/**
 * Every action behind the step-up gate (src/slack/step-up.ts), found again by name when its code modal
 * is submitted. To gate one more deciding action: define its `SteppedAction` beside its listener and
 * add one row here.
 */
export const STEPPED_ACTIONS: ReadonlyArray<SteppedAction<unknown>> = [
  stepped(approveRequestAction),
  stepped(grantAccessAction),
  stepped(revokeKeyAction),
  stepped(roleDeletionAction),
  stepped(activateKeyAction),
  stepped(transferKeyAction),
  stepped(offboardingCardAction),
  stepped(openStreamsAction),
  stepped(leakFalsePositiveAction),
];
