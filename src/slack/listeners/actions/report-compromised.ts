import { refreshSurface } from '../../surfaces.js';
import { escapeText, mention } from '../../views/format.js';
import { surfaceOfBlock } from '../../views/keys.js';
import type { ListenerContext } from '../context.js';
import { clickFacts, type ButtonArgs } from './button.js';

async function report(ctx: ListenerContext, userId: string, keyId: string): Promise<string> {
  const result = await ctx.services.keys.reportCompromised(userId, keyId);
  const name = `*${escapeText(result.key.name)}*`;
  if (!result.changed) return `${name} was already reported compromised; it stays inactive.`;
  if (result.key.ownerId === userId) {
    return `:rotating_light: ${name} is reported compromised: it stopped working just now and the security channel has been alerted. *Rotate* it to get a replacement in its place; only an admin can make it active again.`;
  }
  // An admin reported someone else's key: the domain queued the owner's DM (with Rotate) with the change.
  return `:rotating_light: ${name} (owner ${mention(result.key.ownerId)}) is reported compromised and inactive; the security channel has been alerted and the owner is offered a rotation by DM.`;
}

/**
 * "Report compromised" (README, Security-team controls), from lists, details, App Home, expiry warnings and the
 * `/accesskey compromised` confirmation: acknowledge, report through the domain, then show the
 * surface the click came from with the key (now offering Rotate) and what happened.
 */
export const reportCompromisedButton =
  (ctx: ListenerContext) =>
  async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const click = clickFacts(args);
    const surface = click.inHome ? 'home' : surfaceOfBlock(click.blockId);
    // Registered with `onError: 'refresh-key'`: a refusal is shown on the same surface, as its notice line.
    const notice = await report(ctx, click.userId, click.value);
    await refreshSurface({
      ctx,
      client: args.client,
      surface,
      userId: click.userId,
      keyId: click.value,
      notice,
      responseUrl: click.responseUrl,
    }).catch((error: unknown) => ctx.logger.warn('could not refresh after reporting a key compromised', { error }));
  };
