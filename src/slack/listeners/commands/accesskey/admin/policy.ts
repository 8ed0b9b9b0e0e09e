import { describePolicy, hasPolicy, type PolicyChange } from '../../../../../domain/policy.js';
import { escapeText } from '../../../../views/format.js';
import { noticeMessage } from '../../../../views/messages.js';
import type { SubcommandArgs, SubcommandResult } from '../types.js';

/** `role policy <role> max-days <N|off>` / `expiry-required on|off`: new and extended keys must comply. */
export async function setRolePolicy(args: SubcommandArgs, role: string, change: PolicyChange): Promise<SubcommandResult> {
  const result = await args.ctx.services.roles.setPolicy(args.userId, { name: role, change });
  const name = `*${escapeText(result.role.name)}*`;
  const policy = result.role.policy ?? { maxDays: null, expiryRequired: false };
  if (!result.changed) return noticeMessage(`${name} already has that policy (${describePolicy(policy)}).`);
  const now = hasPolicy(policy) ? describePolicy(policy) : 'no lifetime policy';
  return noticeMessage(
    `:white_check_mark: ${name} policy: ${now}. New, extended and rotated keys must comply; existing keys are not changed, and those out of policy are flagged in lists, App Home and \`admin keys\`.`,
  );
}
