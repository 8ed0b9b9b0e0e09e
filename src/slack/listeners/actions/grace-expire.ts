import { escapeText } from '../../views/format.js';
import type { ListenerContext } from '../context.js';
import { clickFacts, type ButtonArgs } from './button.js';
import { tellClicker } from './tell.js';

/** **Expire now** on the rotation grace question: the old key stops working at once (audited). */
export const graceExpireButton =
  (ctx: ListenerContext) =>
  async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const click = clickFacts(args);
    const key = await ctx.services.keys.decideGrace(click.userId, { reference: click.value, decision: 'expire' }, { once: click.once });
    const text = `*${escapeText(key.name)}* has expired: only its successor \`${key.rotatedTo ?? ''}\` works now.`;
    await tellClicker(args, ctx, { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] });
  };
