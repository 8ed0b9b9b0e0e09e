import type { ModalOrigin } from '../../input/views.js';
import { surfaceOfBlock } from '../../views/keys.js';
import { extendKeyModal } from '../../views/modals.js';
import type { ListenerContext } from '../context.js';
import { clickFacts, type ButtonArgs } from './button.js';

/** Opens the extend modal for the clicked key: from lists, details, App Home and expiry warnings. */
export const extendKeyButton =
  (ctx: ListenerContext) =>
  async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const click = clickFacts(args);
    const { key, role } = await ctx.services.keys.show(click.userId, click.value);
    const blockSurface = surfaceOfBlock(click.blockId);
    const source: ModalOrigin['source'] = click.inHome ? 'home' : click.blockId?.includes(':') === true ? blockSurface : 'warning';
    const origin: ModalOrigin = { responseUrl: click.responseUrl, source, keyId: key.id };
    await args.client.views.open({
      trigger_id: click.triggerId,
      view: extendKeyModal({
        keyName: key.name,
        keyId: key.id,
        expiresAt: key.expiresAt,
        privateMetadata: JSON.stringify(origin),
        roleName: role?.name,
        policy: role?.policy,
        now: ctx.now(),
      }),
    });
  };
