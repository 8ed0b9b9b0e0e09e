import { isAppError } from '../../../errors.js';
import { postRequestCard } from '../../approvals.js';
import { channelSources } from '../../channels.js';
import { parseRequestApiAccessInputs } from '../../input/functions.js';
import type { ListenerContext } from '../context.js';
import type { StepArgs, StepOutputs } from '../registry.js';

/**
 * Workflow step `request_api_access` (user_id, reason → request_id, status): the same request as
 * `/accesskey request-access`, its card posted to the approvals channel for an admin to decide. The step
 * ends once the request is filed (status `pending`); a user who already has API access gets
 * `already_granted` and no request. The execution id makes a redelivered event file nothing new.
 */
export const requestApiAccessStep =
  (ctx: ListenerContext) =>
  async (args: StepArgs): Promise<StepOutputs> => {
    const input = parseRequestApiAccessInputs(args.inputs);
    if ((await ctx.services.users.context(input.user_id)).hasApiAccess) return { request_id: '', status: 'already_granted' };
    try {
      const request = await ctx.services.access.request(
        input.user_id,
        { reason: input.reason, ttlDays: ctx.config.accessRequestTtlDays },
        { once: `step:${args.event.function_execution_id}` },
      );
      await postRequestCard(args.client, ctx.services, await channelSources(ctx.services, ctx.config).approvals(), request);
      return { request_id: request.id, status: request.status };
    } catch (error) {
      // Already waiting for an admin: the workflow gets that request, not an error.
      const pendingId = isAppError(error) && error.code === 'REQUEST_PENDING' ? error.details.requestId : undefined;
      if (typeof pendingId === 'string') return { request_id: pendingId, status: 'pending' };
      throw error;
    }
  };
