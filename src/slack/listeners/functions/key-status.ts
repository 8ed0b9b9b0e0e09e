import { parseKeyStatusInputs } from '../../input/functions.js';
import type { ListenerContext } from '../context.js';
import type { StepArgs, StepOutputs } from '../registry.js';

/** Workflow step `key_status` (key_id → status, expires_at): Active / Inactive / Expired, and ISO-8601 expiry or `never`. */
export const keyStatusStep =
  (ctx: ListenerContext) =>
  async (args: StepArgs): Promise<StepOutputs> => {
    const input = parseKeyStatusInputs(args.inputs);
    const found = await ctx.services.keys.statusById(input.key_id);
    return { status: found.status, expires_at: found.expiresAt ?? 'never' };
  };
