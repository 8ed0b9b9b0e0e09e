import { onceForCommand } from '../../../replay.js';
import { deliverRotation } from '../../../rotation.js';
import type { SubcommandArgs, SubcommandResult } from './types.js';

/** `rotate <key>`: refusals come back in the ack; the successor's secret arrives like a new key's. */
export async function rotateSubcommand(args: SubcommandArgs, key: string): Promise<SubcommandResult> {
  const result = await args.ctx.services.keys.rotate(args.userId, key, { deliverLater: true, once: onceForCommand(args.triggerId) });
  await args.ackNow();
  await args.ctx.inFlight.track(
    deliverRotation({
      client: args.client,
      services: args.ctx.services,
      now: args.ctx.now,
      logger: args.ctx.logger,
      userId: args.userId,
      result,
      responseUrl: args.responseUrl,
      secretFileTtlMs: args.ctx.config.notifications.secretFileTtlMs,
    }),
  );
  return undefined;
}
