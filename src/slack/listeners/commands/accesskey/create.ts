import { limitMessage } from '../../../../domain/keys/common.js';
import { createKeyModal } from '../../../views/modals.js';
import { errorMessage } from '../../../views/messages.js';
import type { ModalOrigin } from '../../../input/views.js';
import type { SubcommandArgs, SubcommandResult } from './types.js';

/** Opens the create modal, unless the user can't create a key now (no access, full role): then says why. */
export async function createSubcommand(args: SubcommandArgs, name: string | undefined): Promise<SubcommandResult> {
  const slots = await args.ctx.services.keys.slots(args.userId);
  if (slots.used >= slots.max) return errorMessage(limitMessage(slots));
  const origin: ModalOrigin = { responseUrl: args.responseUrl, source: 'command' };
  const view = createKeyModal({
    roleName: slots.role.name,
    used: slots.used,
    max: slots.max,
    rotatingOut: slots.rotatingOut,
    initialName: name,
    privateMetadata: JSON.stringify(origin),
    policy: slots.role.policy,
    now: args.ctx.now(),
    permissions: slots.role.permissions,
  });
  await args.ackNow();
  await args.client.views.open({ trigger_id: args.triggerId, view });
  return undefined;
}
