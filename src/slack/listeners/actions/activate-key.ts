import { z } from 'zod';
import { stepUp, type SteppedAction } from '../../step-up.js';
import { noticeMessage } from '../../views/messages.js';
import { keyStatusOutcomeText } from '../../views/outcomes.js';
import type { ListenerContext } from '../context.js';
import { clickFacts, type ButtonArgs } from './button.js';
import { keyChangeButton } from './key-change.js';

/** An admin making a compromised key active again, behind the step-up gate (src/slack/step-up.ts). */
export const activateKeyAction: SteppedAction<{ keyId: string }> = {
  name: 'reactivate_compromised_key',
  payload: z.object({ keyId: z.string().min(1).max(64) }),
  describe: ({ keyId }) => `You are making the compromised key \`${keyId}\` active again: it will authenticate from now on.`,
  async run(ctx, { userId, payload, once, reply }) {
    await reply(noticeMessage(keyStatusOutcomeText(await ctx.services.keys.activate(userId, payload.keyId, { once }), 'active')));
  },
};

const activateNow = (ctx: ListenerContext) =>
  keyChangeButton(ctx, async (userId, keyId, once) =>
    keyStatusOutcomeText(await ctx.services.keys.activate(userId, keyId, { once }), 'active'),
  );

/**
 * Make active. Reactivating a key reported compromised is a deciding action: with step-up on, it asks
 * for a code first; every other activation is the owner's everyday switch and runs at once.
 */
export const activateKeyButton = (ctx: ListenerContext) => {
  const now = activateNow(ctx);
  return async (args: ButtonArgs): Promise<void> => {
    if (!ctx.services.mfa.stepUpRequired()) return now(args);
    await args.ack();
    const click = clickFacts(args);
    const { key } = await ctx.services.keys.show(click.userId, click.value);
    // Acknowledged above already.
    // Only an admin can do it at all; anyone else hears the domain's own refusal.
    if (key.status !== 'compromised' || !(await ctx.services.users.context(click.userId)).isAdmin)
      return now({ ...args, ack: async () => undefined });
    await stepUp(ctx, activateKeyAction, {
      client: args.client,
      userId: click.userId,
      triggerId: click.triggerId,
      once: click.once,
      responseUrl: click.responseUrl,
      payload: { keyId: key.id },
    });
  };
};
