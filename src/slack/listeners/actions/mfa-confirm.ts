import { mfaConfirmModal } from '../../views/mfa.js';
import type { ListenerContext } from '../context.js';
import { clickFacts, type ButtonArgs } from './button.js';

/** "Enter the first code" in the enrolment DM: the confirmation modal, again. */
export const mfaConfirmButton =
  (_ctx: ListenerContext) =>
  async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    await args.client.views.open({ trigger_id: clickFacts(args).triggerId, view: mfaConfirmModal() });
  };
