import { keyRow } from '../../surfaces.js';
import { keyDetailsMessage } from '../../views/keys.js';
import { graceNotice } from '../../views/usage.js';
import { keyDetailsModal } from '../../views/modals.js';
import type { ListenerContext } from '../context.js';
import { clickFacts, type ButtonArgs } from './button.js';
import { tellClicker } from './tell.js';

/** Details of one key: a new ephemeral message under the list, or a modal on App Home. */
export const showKeyButton =
  (ctx: ListenerContext) =>
  async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const click = clickFacts(args);
    const view = await ctx.services.keys.show(click.userId, click.value);
    const uses = view.key.rotatedTo === null ? 0 : await ctx.services.keys.usesSinceRotation(view.key);
    const details = keyDetailsMessage(keyRow(view.key, view.role, ctx.now()), graceNotice(view.key, uses, ctx.now()));
    if (click.inHome) await args.client.views.open({ trigger_id: click.triggerId, view: keyDetailsModal(details.blocks) });
    else await tellClicker(args, ctx, details);
  };
