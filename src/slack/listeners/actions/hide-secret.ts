import { postToResponseUrl } from '../../delivery/response-url.js';
import type { ListenerContext } from '../context.js';
import { clickFacts, type ButtonArgs } from './button.js';

/** Removes the ephemeral message that shows a secret; only its response_url can (Slack has no API for it). */
export const hideSecretButton =
  (ctx: ListenerContext) =>
  async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const { responseUrl } = clickFacts(args);
    if (responseUrl !== undefined)
      await postToResponseUrl(responseUrl, { delete_original: true }).catch((error: unknown) =>
        ctx.logger.warn('could not hide the secret message', { error }),
      );
  };
