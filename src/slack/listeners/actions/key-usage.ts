import { sendDm } from '../../delivery/dm.js';
import { usageMessage } from '../../views/usage.js';
import type { ListenerContext } from '../context.js';
import { clickFacts, type ButtonArgs } from './button.js';
import { tellClicker } from './tell.js';

/**
 * **Usage** on a key's details or on App Home: the key's usage report (chart and table). Under a
 * message it comes as an ephemeral reply; App Home cannot hold a message, so it comes as a DM.
 */
export const keyUsageButton =
  (ctx: ListenerContext) =>
  async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const click = clickFacts(args);
    const message = usageMessage(await ctx.services.keys.usage(click.userId, click.value));
    if (click.inHome) await sendDm(args.client, click.userId, message);
    else await tellClicker(args, ctx, message);
  };
