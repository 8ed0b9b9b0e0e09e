import { escapeText } from '../../views/format.js';
import type { ListenerContext } from '../context.js';
import { keyChangeButton } from './key-change.js';

/** The button carries Slack's confirm dialog, so a click here has already been confirmed. */
export const deleteKeyButton = (ctx: ListenerContext) =>
  keyChangeButton(ctx, async (userId, keyId, once) => {
    const result = await ctx.services.keys.delete(userId, { reference: keyId }, { once });
    return `:wastebasket: *${escapeText(result.key.name)}* (\`${result.key.id}\`) is deleted. Integrations using it no longer authenticate.`;
  });
