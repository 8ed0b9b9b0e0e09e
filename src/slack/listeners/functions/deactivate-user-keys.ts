import { SYSTEM_ACTOR } from '../../../domain/model.js';
import { parseDeactivateUserKeysInputs } from '../../input/functions.js';
import type { ListenerContext } from '../context.js';
import type { StepArgs, StepOutputs } from '../registry.js';

/**
 * Workflow step `deactivate_user_keys` (user_id → count): offboarding, the same domain operation as a
 * deactivated Slack account (SPEC §13). Every active key of the person becomes inactive, each audited;
 * `count` is how many changed. Who may use the step is set in Slack (docs/org-install.md, "Workflow steps").
 */
export const deactivateUserKeysStep =
  (ctx: ListenerContext) =>
  async (args: StepArgs): Promise<StepOutputs> => {
    const input = parseDeactivateUserKeysInputs(args.inputs);
    const { count } = await ctx.services.offboardPerson(
      SYSTEM_ACTOR,
      { userId: input.user_id },
      { once: `step:${args.event.function_execution_id}`, source: 'workflow_step' },
    );
    return { count };
  };
