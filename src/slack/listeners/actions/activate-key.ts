import { keyStatusOutcomeText } from '../../views/outcomes.js';
import type { ListenerContext } from '../context.js';
import { keyChangeButton } from './key-change.js';

export const activateKeyButton = (ctx: ListenerContext) =>
  keyChangeButton(ctx, async (userId, keyId, once) =>
    keyStatusOutcomeText(await ctx.services.keys.activate(userId, keyId, { once }), 'active'),
  );
