import { z } from 'zod';
import type { OffboardingAction } from '../../../domain/offboarding.js';
import { OFFBOARDING_BLOCK } from '../../ids.js';
import { stepUp, type SteppedAction } from '../../step-up.js';
import { mention } from '../../views/format.js';
import { noticeMessage } from '../../views/messages.js';
import type { Message } from '../../views/blocks.js';
import type { ListenerContext } from '../context.js';
import { clickFacts, type ButtonArgs } from './button.js';
import { tellClicker } from './tell.js';

const blockId = z
  .string()
  .regex(new RegExp(`^${OFFBOARDING_BLOCK}:off_[0-9A-Za-z]{1,40}:ak_[0-9A-Za-z]{1,60}$`))
  .transform((id) => {
    const [, offboardingId = '', keyId = ''] = id.split(':');
    return { offboardingId, keyId };
  });

const cardChoice = z.object({
  offboardingId: z.string().min(1).max(60),
  keyId: z.string().min(1).max(80),
  action: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('transfer'), newOwnerId: z.string().min(1).max(50) }),
    z.object({ kind: z.literal('delete') }),
    z.object({ kind: z.literal('keep') }),
  ]),
  channel: z.string().max(50).optional(),
  ts: z.string().max(50).optional(),
});
type CardChoice = z.infer<typeof cardChoice>;

/** What the clicker hears when the card's key was decided before (the card itself shows every decision). */
async function decide(ctx: ListenerContext, userId: string, choice: CardChoice, once: string): Promise<Message | undefined> {
  const { offboardingId, keyId, action, channel, ts } = choice;
  const result = await ctx.services.offboarding.act(userId, { offboardingId, keyId, action }, { once, card: { channel, ts } });
  if (result.outcome !== 'already') return undefined;
  const by = result.key.decidedBy === null ? '' : ` by ${mention(result.key.decidedBy)}`;
  return noticeMessage(`That key was already decided${by}. Nothing changed.`);
}

/** Transfer and Delete on the offboarding card decide what becomes of someone's key: behind the step-up gate. */
export const offboardingCardAction: SteppedAction<CardChoice> = {
  name: 'offboarding_card',
  payload: cardChoice,
  describe: ({ keyId, action }) =>
    action.kind === 'transfer'
      ? `You are transferring the key \`${keyId}\` of someone who left to ${mention(action.newOwnerId)}.`
      : `You are deciding the key \`${keyId}\` of someone who left.`,
  async run(ctx, { userId, payload, once, reply }) {
    const refusal = await decide(ctx, userId, payload, once);
    if (refusal !== undefined) await reply(refusal);
  },
};

/**
 * One control on the offboarding card (docs/offboarding.md): admins only (the domain checks), decided
 * once; the card is updated in place through the notification outbox. A second press, or another
 * admin's, hears who decided first. With ADMIN_STEP_UP=on, Transfer and Delete ask for a code first.
 */
export async function actOnCard(args: ButtonArgs, ctx: ListenerContext, action: OffboardingAction): Promise<void> {
  const click = clickFacts(args);
  const target = blockId.safeParse(click.blockId);
  if (!target.success) {
    await tellClicker(args, ctx, noticeMessage('That control is not part of an offboarding card I know.'));
    return;
  }
  const container = args.body.container as { channel_id?: string; message_ts?: string };
  const choice: CardChoice = { ...target.data, action, channel: container.channel_id, ts: container.message_ts };
  if (action.kind !== 'keep' && ctx.services.mfa.stepUpRequired()) {
    // Only an admin can decide at all; anyone else hears the domain's refusal before any code is asked for.
    await ctx.services.admin.require(click.userId);
    await stepUp(ctx, offboardingCardAction, {
      client: args.client,
      userId: click.userId,
      triggerId: click.triggerId,
      once: click.once,
      responseUrl: click.responseUrl,
      payload: choice,
    });
    return;
  }
  const refusal = await decide(ctx, click.userId, choice, click.once);
  if (refusal !== undefined) await tellClicker(args, ctx, refusal);
}
