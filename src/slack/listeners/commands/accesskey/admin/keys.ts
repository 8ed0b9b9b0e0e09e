import { keyRow } from '../../../../surfaces.js';
import { adminKeysMessage } from '../../../../views/admin.js';
import { keyOutcomeMessage } from '../../../../views/keys.js';
import { keyRevokedText } from '../../../../views/outcomes.js';
import type { SubcommandArgs, SubcommandResult } from '../types.js';
import { z } from 'zod';
import type { SteppedAction } from '../../../../step-up.js';
import type { Message } from '../../../../views/blocks.js';
import { escapeText } from '../../../../views/format.js';
import type { ListenerContext } from '../../../context.js';
import { steppedCommand } from './stepped.js';

const PAGE_SIZE = 20;

export async function listAllKeys(args: SubcommandArgs, ownerId: string | undefined, page: number): Promise<SubcommandResult> {
  const { services } = args.ctx;
  const { keys, total } = await services.admin.listKeys(args.userId, { ownerId, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
  const now = args.ctx.now();
  return adminKeysMessage(
    keys.map((k) => keyRow(k.key, k.role, now)),
    page,
    Math.max(1, Math.ceil(total / PAGE_SIZE)),
    total,
    ownerId,
  );
}

/** `admin revoke <key>` behind the step-up gate. */
export const revokeKeyAction: SteppedAction<{ key: string }> = {
  name: 'revoke_key',
  payload: z.object({ key: z.string().min(1).max(200) }),
  describe: ({ key }) => `You are revoking the key \`${escapeText(key)}\`: it stops working at once.`,
  run: async (ctx, { userId, payload, reply }) => reply(await revokeOutcome(ctx, userId, payload.key)),
};

/** An admin making any key inactive: the domain records it as a revocation when it isn't their own. */
export function revokeKey(args: SubcommandArgs, key: string): Promise<SubcommandResult> {
  return steppedCommand(args, revokeKeyAction, { key }, () => revokeOutcome(args.ctx, args.userId, key));
}

async function revokeOutcome(ctx: ListenerContext, actorId: string, key: string): Promise<Message> {
  const result = await ctx.services.admin.revokeKey(actorId, key);
  return keyOutcomeMessage(keyRevokedText(result, actorId), keyRow(result.key, result.role, ctx.now()));
}
