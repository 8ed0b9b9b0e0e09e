import { deliverRotation } from '../../rotation.js';
import { ROTATE_CONFIRM_BLOCK } from '../../ids.js';
import type { ListenerContext } from '../context.js';
import { clickFacts, type ButtonArgs } from './button.js';

/**
 * "Rotate" on a key (lists, details, App Home, expiry warnings: confirmed by Slack's dialog) or on the
 * `/accesskey rotate` question: successor secret by ephemeral message and CSV. The question is used up,
 * so the secret message takes its place.
 */
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
        replaceOriginal: click.blockId?.startsWith(`${ROTATE_CONFIRM_BLOCK}:`) === true,
        secretFileTtlMs: ctx.config.notifications.secretFileTtlMs,
      }),
    );
  };
