import type { LeakResolution } from '../../../domain/ports.js';
import { escapeText, mention } from '../../views/format.js';
import { noticeMessage } from '../../views/messages.js';
import type { ListenerContext } from '../context.js';
import { clickFacts, type ButtonArgs } from './button.js';
import { tellClicker } from './tell.js';

const DONE: Record<LeakResolution, string> = {
  kept_inactive: 'stays inactive; the leak is confirmed',
  false_positive: 'is active again (false positive)',
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
    const result = await ctx.services.leaks.decide(click.userId, { keyId: click.value, decision }, { once: click.once });
    const name = `*${escapeText(result.key.name)}* (\`${result.key.id}\`)`;
    if (!result.changed) {
      const by = result.leak.resolvedBy === null ? '' : ` by ${mention(result.leak.resolvedBy)}`;
      await tellClicker(args, ctx, noticeMessage(`The leak of ${name} was already decided${by}. Nothing changed.`));
      return;
    }
    await tellClicker(args, ctx, noticeMessage(`${name} ${DONE[decision]}.`));
  };
