import type { ListenerContext } from '../context.js';
import type { ButtonArgs } from './button.js';
import { actOnCard } from './offboarding-card.js';

/** "Keep inactive" on the offboarding card: the key stays as it is, the decision audited (`key.kept_inactive`). */
export const offboardingKeepButton =
  (ctx: ListenerContext) =>
  async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    await actOnCard(args, ctx, { kind: 'keep' });
  };
