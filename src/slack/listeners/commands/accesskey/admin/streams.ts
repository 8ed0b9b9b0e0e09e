import { streamsModal } from '../../../../views/streams.js';
import type { SubcommandArgs, SubcommandResult } from '../types.js';

/** `admin streams`: the event streams modal (list, add, pause, delete, test, replay; docs/streams.md). */
export async function streamsCommand(args: SubcommandArgs): Promise<SubcommandResult> {
  const streams = await args.ctx.services.streams.list(args.userId);
  await args.ackNow();
  await args.client.views.open({ trigger_id: args.triggerId, view: streamsModal({ streams }) });
  return undefined;
}
