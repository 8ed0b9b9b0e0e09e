import { escapeText } from '../../views/format.js';
import type { ListenerContext } from '../context.js';
import { keyChangeButton } from './key-change.js';

export const activateKeyButton = (ctx: ListenerContext) =>
  keyChangeButton(ctx, async (userId, keyId, once) => {
    const result = await ctx.services.keys.activate(userId, keyId, { once });
    if (result.replayed === true) return 'That request was already handled; nothing changed.';
    return result.changed
      ? `:white_check_mark: *${escapeText(result.key.name)}* is active again.`
      : `*${escapeText(result.key.name)}* was already active.`;
  });
