import { z } from 'zod';
import { SLACK_USER_ID } from '../../ids.js';
import { noticeMessage } from '../../views/messages.js';
import type { ListenerContext } from '../context.js';
import type { ButtonArgs } from './button.js';
import { actOnCard } from './offboarding-card.js';
import { tellClicker } from './tell.js';

const picked = z.object({ selected_user: z.string().regex(SLACK_USER_ID) });

/** "Transfer to…" (a users_select) on the offboarding card: refusals (role, API access, limit) answer the admin under the card. */
export const offboardingTransferSelect =
  (ctx: ListenerContext) =>
  async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const choice = picked.safeParse(args.action);
    if (!choice.success) {
      await tellClicker(args, ctx, noticeMessage('Pick the person who should own the key.'));
      return;
    }
    await actOnCard(args, ctx, { kind: 'transfer', newOwnerId: choice.data.selected_user });
  };
