import { postToResponseUrl } from '../../delivery/response-url.js';
import type { ListenerContext } from '../context.js';
import { clickFacts, type ButtonArgs } from './button.js';

/** "Cancel" on a confirmation message: the message goes away and nothing changes. */
export const cancelButton =
  (ctx: ListenerContext) =>
  async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const { responseUrl } = clickFacts(args);
    if (responseUrl !== undefined)
      await postToResponseUrl(responseUrl, { delete_original: true }).catch((error: unknown) =>
        ctx.logger.warn('could not remove the message', { error }),
      );
  };
