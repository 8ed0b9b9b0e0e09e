import { refreshSurface } from '../../surfaces.js';
import { surfaceOfBlock } from '../../views/keys.js';
import type { ListenerContext } from '../context.js';
import { clickFacts, type ButtonArgs } from './button.js';

/**
 * A button that changes one key (value = key ID): acknowledge at once, change it through the domain,
 * then show the surface the click came from with the fresh state and a line about what happened.
 * Registered with `onError: 'refresh-key'`, so a refusal is shown the same way, as that line. A fault
 * while redrawing goes to the error boundary too: the user must hear that something failed.
 */
export function keyChangeButton(ctx: ListenerContext, change: (userId: string, keyId: string, once: string) => Promise<string>) {
  return async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const click = clickFacts(args);
    const surface = click.inHome ? 'home' : surfaceOfBlock(click.blockId);
    const notice = await change(click.userId, click.value, click.once);
    await refreshSurface({
      ctx,
      client: args.client,
      surface,
      userId: click.userId,
      keyId: click.value,
      notice,
      responseUrl: click.responseUrl,
    });
  };
}
