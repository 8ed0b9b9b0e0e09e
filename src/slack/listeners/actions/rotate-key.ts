import { deliverRotation } from '../../rotation.js';
import type { ListenerContext } from '../context.js';
import { clickFacts, type ButtonArgs } from './button.js';

/** "Rotate" on a key (lists, details, expiry warnings): successor secret by ephemeral message and CSV. */
export const rotateKeyButton =
  (ctx: ListenerContext) =>
  async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const click = clickFacts(args);
    const result = await ctx.services.keys.rotate(click.userId, click.value, { deliverLater: true, once: click.once });
    await ctx.inFlight.track(
      deliverRotation({
        client: args.client,
        services: ctx.services,
        now: ctx.now,
        logger: ctx.logger,
        userId: click.userId,
        result,
        responseUrl: click.responseUrl,
        secretFileTtlMs: ctx.config.notifications.secretFileTtlMs,
      }),
    );
  };
