import { z } from 'zod';
import { SLACK_USER_ID } from '../../../../ids.js';
import type { SteppedAction } from '../../../../step-up.js';
import type { Message } from '../../../../views/blocks.js';
import { mention } from '../../../../views/format.js';
import { noticeMessage } from '../../../../views/messages.js';
import type { ListenerContext } from '../../../context.js';
import type { SubcommandArgs, SubcommandResult } from '../types.js';
import { steppedCommand } from './stepped.js';
import { plural } from '../../../../../domain/text.js';

/** `admin grant @user` behind the step-up gate. */
export const grantAccessAction: SteppedAction<{ userId: string }> = {
  name: 'grant_access',
  payload: z.object({ userId: z.string().regex(SLACK_USER_ID) }),
  describe: ({ userId }) => `You are giving ${mention(userId)} API access.`,
  run: async (ctx, { userId, payload, reply }) => reply(await grantOutcome(ctx, userId, payload.userId)),
};

export function grantAccess(args: SubcommandArgs, userId: string): Promise<SubcommandResult> {
  return steppedCommand(args, grantAccessAction, { userId }, () => grantOutcome(args.ctx, args.userId, userId));
}

async function grantOutcome(ctx: ListenerContext, actorId: string, userId: string): Promise<Message> {
  const result = await ctx.services.access.grant(actorId, userId);
  const closed = result.requestsClosed === 0 ? '' : ' Their open API access request is marked approved on its card, and they get a DM.';
  return noticeMessage(
    result.changed
      ? `:white_check_mark: ${mention(userId)} now has API access.${closed}`
      : `${mention(userId)} already had API access.${closed}`,
  );
}

export async function revokeAccess(args: SubcommandArgs, userId: string): Promise<SubcommandResult> {
  const result = await args.ctx.services.access.revoke(args.userId, userId);
  if (!result.changed) return noticeMessage(`${mention(userId)} had no API access to revoke.`);
  return noticeMessage(
    `:no_entry: ${mention(userId)} no longer has API access; ${plural(result.deactivated.length, 'active key')} ${result.deactivated.length === 1 ? 'was' : 'were'} made inactive. Granting access again does not reactivate ${result.deactivated.length === 1 ? 'it' : 'them'}.`,
  );
}
