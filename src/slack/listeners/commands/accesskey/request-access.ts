import { postRequestCard } from '../../../approvals.js';
import { channelSources } from '../../../channels.js';
import { onceForCommand } from '../../../replay.js';
import { noticeMessage } from '../../../views/messages.js';
import type { SubcommandArgs, SubcommandResult } from './types.js';

/** Files an API-access request and puts its card in front of the admins. */
export async function requestAccessSubcommand(args: SubcommandArgs, reason: string | undefined): Promise<SubcommandResult> {
  const { services, config, logger } = args.ctx;
  const request = await services.access.request(
    args.userId,
    { reason, ttlDays: config.accessRequestTtlDays },
    { once: onceForCommand(args.triggerId) },
  );
  // Refusals (already has access, already asked) came back in the ack; Slack calls come after it.
  await args.ackNow();
  try {
    await postRequestCard(args.client, services, await channelSources(services, config).approvals(), request);
  } catch (error) {
    logger.warn('could not post the approvals card', { error, requestId: request.id });
    return noticeMessage(
      ":warning: Your request is recorded, but I couldn't post it to the admins' channel. Please tell an admin directly.",
    );
  }
  return noticeMessage(':incoming_envelope: Your request for API access went to the admins. You will get a DM when one of them decides.');
}
