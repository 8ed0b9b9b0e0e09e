import { escapeText } from '../../views/format.js';
import type { ListenerContext } from '../context.js';
import { keyChangeButton } from './key-change.js';

/** "Keep" on a stale-key notice: the key's stale clock restarts (audited `key.kept`); the DM shows the key. */
export const keepKeyButton = (ctx: ListenerContext) =>
  keyChangeButton(ctx, async (userId, keyId) => {
    const kept = await ctx.services.notifications.keepKey(userId, keyId);
    return `:white_check_mark: *${escapeText(kept.name)}* is kept. You will be asked again if it stays unused.`;
  });
