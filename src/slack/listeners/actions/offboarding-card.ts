import { z } from 'zod';
import type { OffboardingAction } from '../../../domain/offboarding.js';
import { OFFBOARDING_BLOCK } from '../../ids.js';
import { mention } from '../../views/format.js';
import { noticeMessage } from '../../views/messages.js';
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

/**
 * One control on the offboarding card (docs/offboarding.md): admins only (the domain checks), decided
 * once; the card is updated in place through the notification outbox. A second press, or another
 * admin's, hears who decided first.
 */
export async function actOnCard(args: ButtonArgs, ctx: ListenerContext, action: OffboardingAction): Promise<void> {
  const click = clickFacts(args);
  const target = blockId.safeParse(click.blockId);
  if (!target.success) {
    await tellClicker(args, ctx, noticeMessage('That control is not part of an offboarding card I know.'));
    return;
  }
  const container = args.body.container as { channel_id?: string; message_ts?: string };
  const result = await ctx.services.offboarding.act(
    click.userId,
    { ...target.data, action },
    { once: click.once, card: { channel: container.channel_id, ts: container.message_ts } },
  );
  if (result.outcome === 'already') {
    const by = result.key.decidedBy === null ? '' : ` by ${mention(result.key.decidedBy)}`;
    await tellClicker(args, ctx, noticeMessage(`That key was already decided${by}. Nothing changed.`));
  }
}
