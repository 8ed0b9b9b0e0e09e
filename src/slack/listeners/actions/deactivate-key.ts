import { escapeText } from '../../views/format.js';
import type { ListenerContext } from '../context.js';
import { keyChangeButton } from './key-change.js';

export const deactivateKeyButton = (ctx: ListenerContext) =>
  keyChangeButton(ctx, async (userId, keyId, once) => {
    const result = await ctx.services.keys.deactivate(userId, keyId, { once });
    if (result.replayed === true) return 'That request was already handled; nothing changed.';
    return result.changed
      ? `:white_check_mark: *${escapeText(result.key.name)}* is now inactive.`
      : `*${escapeText(result.key.name)}* was already inactive.`;
  });
