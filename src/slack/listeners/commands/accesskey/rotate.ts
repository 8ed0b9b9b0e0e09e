import { keyRow } from '../../../surfaces.js';
import { rotateConfirmMessage } from '../../../views/keys.js';
import type { SubcommandArgs, SubcommandResult } from './types.js';

/**
 * `rotate <key>` asks first, as `delete` does: a rotation starts the old key's countdown and shows a
 * secret. Anything that would refuse the rotation is said now, not after the click; the message's
 * Rotate button (the rotate-key listener) does it and hands over the new secret.
 */
export async function rotateSubcommand(args: SubcommandArgs, key: string): Promise<SubcommandResult> {
  const plan = await args.ctx.services.keys.checkRotation(args.userId, key);
  return rotateConfirmMessage(keyRow(plan.old, plan.role, args.ctx.now()), plan.successorExpiry);
}
