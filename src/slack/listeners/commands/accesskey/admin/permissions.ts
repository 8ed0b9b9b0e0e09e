import type { PermissionChange } from '../../../../../domain/least-privilege.js';
import { escapeText, permissionsText } from '../../../../views/format.js';
import { noticeMessage } from '../../../../views/messages.js';
import type { SubcommandArgs, SubcommandResult } from '../types.js';

/** `role permissions <role> [add|remove <perm>…]` (docs/least-privilege.md). */
export async function rolePermissionsCommand(
  args: SubcommandArgs,
  role: string,
  change: PermissionChange | undefined,
): Promise<SubcommandResult> {
  if (change === undefined) {
    const found = await args.ctx.services.roles.permissions(args.userId, role);
    return noticeMessage(`*${escapeText(found.name)}* permissions: ${permissionsText(found.permissions)}`);
  }
  const result = await args.ctx.services.roles.changePermissions(args.userId, { name: role, change });
  const name = `*${escapeText(result.role.name)}*`;
  if (result.changed.length === 0)
    return noticeMessage(
      `${name} ${change.op === 'add' ? 'already has' : 'does not have'} those permissions; nothing changed. Now: ${permissionsText(result.role.permissions)}`,
    );
  const what =
    change.op === 'add'
      ? `Added ${permissionsText(result.changed)}. Existing keys that were created with a chosen set keep it; new keys can be given these.`
      : `Removed ${permissionsText(result.changed)}: no key of the role can use them any more, from its next call.`;
  return noticeMessage(`:white_check_mark: ${name}: ${what}\nNow: ${permissionsText(result.role.permissions)}`);
}
