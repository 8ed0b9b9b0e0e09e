import { z } from 'zod';
import type { LeakResolution } from '../../../domain/ports.js';
import { stepUp, type SteppedAction } from '../../step-up.js';
import type { Message } from '../../views/blocks.js';
import { escapeText, mention } from '../../views/format.js';
import { noticeMessage } from '../../views/messages.js';
import type { ListenerContext } from '../context.js';
import { clickFacts, type ButtonArgs } from './button.js';
import { tellClicker } from './tell.js';

const DONE: Record<LeakResolution, string> = {
  kept_inactive: 'stays inactive; the leak is confirmed',
  false_positive: 'is active again (false positive)',
};

/** Decides through the domain (admins only, once) and says what happened; the card is updated through the outbox. */
async function decide(
  ctx: ListenerContext,
  input: { userId: string; keyId: string; decision: LeakResolution; once: string },
  reply: (message: Message) => Promise<void>,
): Promise<void> {
  const result = await ctx.services.leaks.decide(input.userId, { keyId: input.keyId, decision: input.decision }, { once: input.once });
  const name = `*${escapeText(result.key.name)}* (\`${result.key.id}\`)`;
  if (!result.changed) {
    const by = result.leak.resolvedBy === null ? '' : ` by ${mention(result.leak.resolvedBy)}`;
    await reply(noticeMessage(`The leak of ${name} was already decided${by}. Nothing changed.`));
    return;
  }
  await reply(noticeMessage(`${name} ${DONE[input.decision]}.`));
}

/**
 * **False positive — reactivate** makes a compromised key work again: a deciding action, so with
 * ADMIN_STEP_UP=on it asks an admin for a code first (src/slack/step-up.ts), as reactivating a
 * compromised key with `/accesskey activate` does.
 */
export const leakFalsePositiveAction: SteppedAction<{ keyId: string }> = {
  name: 'leak_false_positive',
  payload: z.object({ keyId: z.string().min(1).max(64) }),
  describe: ({ keyId }) => `You are calling the leak of \`${keyId}\` a false positive: the key will authenticate again from now on.`,
  async run(ctx, { userId, payload, once, reply }) {
    await decide(ctx, { userId, keyId: payload.keyId, decision: 'false_positive', once }, reply);
  },
};

/**
 * **Keep inactive** and **False positive — reactivate** on a leaked key's card (docs/leak-response.md):
 * admins only (the domain refuses anyone else), decided once; the card is updated through the outbox.
 */
export const leakDecisionButton =
  (ctx: ListenerContext, decision: LeakResolution) =>
  async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const click = clickFacts(args);
    const reply = (message: Message) => tellClicker(args, ctx, message);
    // Only an admin can decide at all: anyone else hears the domain's refusal, without a code asked first.
    if (decision === 'false_positive' && (await ctx.services.users.context(click.userId)).isAdmin) {
      await stepUp(ctx, leakFalsePositiveAction, {
        client: args.client,
        userId: click.userId,
        triggerId: click.triggerId,
        once: click.once,
        responseUrl: click.responseUrl,
        payload: { keyId: click.value },
      });
      return;
    }
    await decide(ctx, { userId: click.userId, keyId: click.value, decision, once: click.once }, reply);
  };
