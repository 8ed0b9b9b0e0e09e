import { escapeText, mention } from '../../../../views/format.js';
import { impactMessage, rolesMessage } from '../../../../views/admin.js';
import { noticeMessage } from '../../../../views/messages.js';
import type { SubcommandArgs, SubcommandResult } from '../types.js';
import { plural } from '../../../../../domain/text.js';

export async function listRoles(args: SubcommandArgs): Promise<SubcommandResult> {
  return rolesMessage(await args.ctx.services.roles.list(args.userId));
}

export async function createRole(args: SubcommandArgs, name: string, maxKeys: number): Promise<SubcommandResult> {
  const role = await args.ctx.services.roles.create(args.userId, { name, maxKeys });
  return noticeMessage(`:white_check_mark: Role *${escapeText(role.name)}* created (up to ${plural(role.maxKeys, 'key')} per user).`);
}

/** Shows what deleting the role takes with it; the Delete button (with its own confirm) does it. */
export async function previewRoleDeletion(args: SubcommandArgs, name: string): Promise<SubcommandResult> {
  const impact = await args.ctx.services.roles.previewDeletion(args.userId, name);
  return impactMessage(impact, 'delete', JSON.stringify({ roleId: impact.role.id, role: impact.role.name }));
}

export async function assignRole(args: SubcommandArgs, userId: string, role: string): Promise<SubcommandResult> {
  const result = await args.ctx.services.roles.assign(args.userId, { userId, roleName: role });
  if (result.awaiting !== undefined)
    return noticeMessage(
      `:hourglass_flowing_sand: ${result.awaiting.approvers.length} of ${result.awaiting.required} admins agreed to make ${mention(userId)} a *${escapeText(result.role.name)}* (${result.awaiting.approvers.map(mention).join(', ')}). Another admin must run the same command within a day.`,
    );
  return noticeMessage(
    result.changed
      ? `:white_check_mark: ${mention(userId)} now holds *${escapeText(result.role.name)}*.`
      : `${mention(userId)} already holds *${escapeText(result.role.name)}*.`,
  );
}

export async function previewRoleRemoval(args: SubcommandArgs, userId: string, role: string): Promise<SubcommandResult> {
  const impact = await args.ctx.services.roles.previewRemoval(args.userId, { userId, roleName: role });
  return impactMessage(impact, 'remove', JSON.stringify({ userId, role: impact.role.name }));
}
