import { limitMessage } from '../../../domain/keys/common.js';
import type { ModalOrigin } from '../../input/views.js';
import { publishHome } from '../../surfaces.js';
import { createKeyModal } from '../../views/modals.js';
import type { ListenerContext } from '../context.js';
import { clickFacts, type ButtonArgs } from './button.js';

/** "Create key" on App Home: the same modal as `/accesskey create`; the secret then goes to the DM. */
export const createKeyButton =
  (ctx: ListenerContext) =>
  async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const click = clickFacts(args);
    const slots = await ctx.services.keys.slots(click.userId);
    if (slots.used >= slots.max) {
      await publishHome(args.client, ctx, click.userId, `:warning: ${limitMessage(slots)}`);
      return;
    }
    const origin: ModalOrigin = { source: 'home', responseUrl: click.responseUrl };
    await args.client.views.open({
      trigger_id: click.triggerId,
      view: createKeyModal({
        roleName: slots.role.name,
        used: slots.used,
        max: slots.max,
        rotatingOut: slots.rotatingOut,
        privateMetadata: JSON.stringify(origin),
        policy: slots.role.policy,
        now: ctx.now(),
        permissions: slots.role.permissions,
      }),
    });
  };
