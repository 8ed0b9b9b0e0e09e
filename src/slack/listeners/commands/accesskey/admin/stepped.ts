import { onceForCommand } from '../../../../replay.js';
import { stepUp, type SteppedAction } from '../../../../step-up.js';
import type { SubcommandArgs, SubcommandResult } from '../types.js';

/**
 * An admin verb that decides something: with step-up off, `direct` answers as before; with it on, the
 * command is acknowledged and the code modal opens (src/slack/step-up.ts), whose submission runs the
 * action and answers through the command's response_url.
 */
export async function steppedCommand<P>(
  args: SubcommandArgs,
  action: SteppedAction<P>,
  payload: P,
  direct: () => Promise<SubcommandResult>,
): Promise<SubcommandResult> {
  if (!args.ctx.services.mfa.stepUpRequired()) return direct();
  await args.ackNow();
  await stepUp(args.ctx, action, {
    client: args.client,
    userId: args.userId,
    triggerId: args.triggerId,
    once: onceForCommand(args.triggerId),
    responseUrl: args.responseUrl,
    payload,
  });
  return undefined;
}
