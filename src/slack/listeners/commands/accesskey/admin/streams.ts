import { z } from 'zod';
import type { SteppedAction } from '../../../../step-up.js';
import { noticeMessage } from '../../../../views/messages.js';
import { streamsModal } from '../../../../views/streams.js';
import type { SubcommandArgs, SubcommandResult } from '../types.js';
import { steppedCommand } from './stepped.js';

/**
 * Opening the streams modal behind the step-up gate (SPEC §17: changing streams is a deciding action).
 * With ADMIN_STEP_UP=on the code is asked first and the code modal turns into the streams modal; every
 * change made in that modal is covered by that code.
 */
export const openStreamsAction: SteppedAction<Record<string, never>> = {
  name: 'open_streams',
  payload: z.record(z.string(), z.never()),
  describe: () => 'You are opening the event streams, where you can add, pause, replay and delete them.',
  // Reached only if the gate runs the action without a modal of its own: say how to open it.
  run: async (_ctx, { reply }) => reply(noticeMessage('Open the event streams with `/accesskey admin streams`.')),
  view: async (ctx, { userId }) => streamsModal({ streams: await ctx.services.streams.list(userId) }),
};

/** `admin streams`: the event streams modal (list, add, pause, delete, test, replay; docs/streams.md). */
export async function streamsCommand(args: SubcommandArgs): Promise<SubcommandResult> {
  const streams = await args.ctx.services.streams.list(args.userId);
  return steppedCommand(args, openStreamsAction, {}, async () => {
    await args.ackNow();
    await args.client.views.open({ trigger_id: args.triggerId, view: streamsModal({ streams }) });
    return undefined;
  });
}
