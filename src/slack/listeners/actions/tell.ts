import { postToResponseUrl } from '../../delivery/response-url.js';
import { publishHome } from '../../surfaces.js';
import type { Message } from '../../views/blocks.js';
import type { ListenerContext } from '../context.js';
import { clickFacts, type ButtonArgs } from './button.js';

/**
 * Tells whoever clicked something, where they are: an ephemeral reply under a message (through its
 * response_url), or a notice on App Home (clicks there come with no response_url).
 */
export async function tellClicker(args: ButtonArgs, ctx: ListenerContext, message: Message): Promise<void> {
  const click = clickFacts(args);
  const told = click.inHome
    ? publishHome(args.client, ctx, click.userId, message.text)
    : click.responseUrl === undefined
      ? Promise.resolve()
      : postToResponseUrl(click.responseUrl, { response_type: 'ephemeral', replace_original: false, ...message });
  await told.catch((error: unknown) =>
    ctx.logger.warn('could not answer a click', { error, userId: click.userId, action: args.action.action_id }),
  );
}
