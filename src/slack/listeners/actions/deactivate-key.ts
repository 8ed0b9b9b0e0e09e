import { keyStatusOutcomeText } from '../../views/outcomes.js';
import type { ListenerContext } from '../context.js';
import { keyChangeButton } from './key-change.js';

export const deactivateKeyButton = (ctx: ListenerContext) =>
  keyChangeButton(ctx, async (userId, keyId, once) =>
    keyStatusOutcomeText(await ctx.services.keys.deactivate(userId, keyId, { once }), 'inactive'),
  );
