import { z } from 'zod';
import { onceForCommand } from '../../../../replay.js';
import type { SteppedAction } from '../../../../step-up.js';
import type { Message } from '../../../../views/blocks.js';
import { escapeText, mention } from '../../../../views/format.js';
import { noticeMessage } from '../../../../views/messages.js';
import type { ListenerContext } from '../../../context.js';
import type { SubcommandArgs, SubcommandResult } from '../types.js';
import { steppedCommand } from './stepped.js';

/** `admin transfer` behind the step-up gate: giving someone's key to another person is a deciding action. */
export const transferKeyAction: SteppedAction<{ key: string; userId: string }> = {
  name: 'transfer_key',
  payload: z.object({ key: z.string().min(1).max(200), userId: z.string().min(1).max(50) }),
  describe: ({ key, userId }) => `You are transferring the key \`${escapeText(key)}\` to ${mention(userId)}.`,
  run: async (ctx, { userId, payload, once, reply }) => reply(await transferOutcome(ctx, userId, payload.key, payload.userId, once)),
};

/** `/accesskey admin transfer <key> @user` (docs/offboarding.md): refusals (role, API access, limit) come back as the domain words them. */
export function transferKey(args: SubcommandArgs, reference: string, newOwnerId: string): Promise<SubcommandResult> {
  return steppedCommand(args, transferKeyAction, { key: reference, userId: newOwnerId }, () =>
    transferOutcome(args.ctx, args.userId, reference, newOwnerId, onceForCommand(args.triggerId)),
  );
}

async function transferOutcome(
  ctx: ListenerContext,
  actorId: string,
  reference: string,
  newOwnerId: string,
  once: string | undefined,
): Promise<Message> {
  const result = await ctx.services.offboarding.transfer(actorId, { reference, newOwnerId }, { once });
  const key = `*${escapeText(result.key.name)}* (\`${result.key.id}\`)`;
  if (result.replayed) return noticeMessage(`That transfer of ${key} was already handled; nothing changed.`);
  return noticeMessage(
    `:arrow_right: ${key} now belongs to ${mention(newOwnerId)} (it was ${mention(result.fromOwnerId)}'s). Both are told; it keeps its status and expiry.`,
  );
}
