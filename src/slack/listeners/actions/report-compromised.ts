import { escapeText, mention } from '../../views/format.js';
import { replacementAdvice } from '../../views/keys.js';
import type { ListenerContext } from '../context.js';
import { keyChangeButton } from './key-change.js';

async function report(ctx: ListenerContext, userId: string, keyId: string): Promise<string> {
  const result = await ctx.services.keys.reportCompromised(userId, keyId);
  const name = `*${escapeText(result.key.name)}*`;
  if (!result.changed) return `${name} was already reported compromised; it stays inactive.`;
  if (result.key.ownerId === userId) {
    return `:rotating_light: ${name} is reported compromised: it stopped working just now and the security channel has been alerted. Only an admin can make it active again. ${replacementAdvice(result.key)}`;
  }
  // An admin reported someone else's key: the domain queued the owner's DM (with Rotate) with the change.
  return `:rotating_light: ${name} (owner ${mention(result.key.ownerId)}) is reported compromised and inactive; the security channel has been alerted and the owner is offered a rotation by DM.`;
}

/**
 * "Report compromised" (README, Security-team controls), from lists, details, App Home, expiry warnings and the
 * `/accesskey compromised` confirmation: acknowledge, report through the domain, then show the
 * surface the click came from with the key (now offering Rotate) and what happened.
 */
export const reportCompromisedButton = (ctx: ListenerContext) => keyChangeButton(ctx, (userId, keyId) => report(ctx, userId, keyId));
