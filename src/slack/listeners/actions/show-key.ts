import { errorReply } from '../../replies.js';
import { keyRow } from '../../surfaces.js';
import { postToResponseUrl } from '../../delivery/response-url.js';
import { keyDetailsMessage } from '../../views/keys.js';
import type { ListenerContext } from '../context.js';
import { clickFacts, type ButtonArgs } from './button.js';

/** Details of one key as a new ephemeral message, leaving the list it was clicked in as it is. */
export const showKeyButton = (ctx: ListenerContext) => async (args: ButtonArgs): Promise<void> => {
  await args.ack();
  const click = clickFacts(args);
  if (click.responseUrl === undefined) return;
  let message;
  try {
    const view = await ctx.services.keys.show(click.userId, click.value);
    message = keyDetailsMessage(keyRow(view.key, view.role, ctx.services.now()));
  } catch (error) {
    message = errorReply(error, ctx.logger, { userId: click.userId });
  }
  await postToResponseUrl(click.responseUrl, { response_type: 'ephemeral', replace_original: false, ...message }).catch((error: unknown) => ctx.logger.warn('could not show key details', { error }));
};
