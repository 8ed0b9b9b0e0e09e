import { escapeText, slackDate } from '../../views/format.js';
import type { ListenerContext } from '../context.js';
import { clickFacts, type ButtonArgs } from './button.js';
import { tellClicker } from './tell.js';

/** **Extend grace 24 h** on the rotation grace question: the old key works 24 h more (audited). */
export const graceExtendButton =
  (ctx: ListenerContext) =>
  async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const click = clickFacts(args);
    const key = await ctx.services.keys.decideGrace(click.userId, { reference: click.value, decision: 'extend' }, { once: click.once });
    const text = key.expiresAt === null ? '' : `*${escapeText(key.name)}* keeps working until ${slackDate(key.expiresAt)}, then expires.`;
    await tellClicker(args, ctx, { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] });
  };
