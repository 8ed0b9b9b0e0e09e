import type { ListenerContext } from '../context.js';
import type { ButtonArgs } from './button.js';
import { actOnCard } from './offboarding-card.js';

/** "Delete" on the offboarding card (behind a confirmation dialog). */
export const offboardingDeleteButton =
  (ctx: ListenerContext) =>
  async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    await actOnCard(args, ctx, { kind: 'delete' });
  };
