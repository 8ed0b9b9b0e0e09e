import { activeRoleMessage, userRolesMessage } from '../../../views/messages.js';
import type { SubcommandArgs, SubcommandResult } from './types.js';

/** `role` lists the user's roles (active one marked); `role <name>` switches the active role (R3). */
export async function roleSubcommand(args: SubcommandArgs, name: string | undefined): Promise<SubcommandResult> {
  const { services } = args.ctx;
  if (name !== undefined) return activeRoleMessage((await services.users.switchRole(args.userId, name)).name);
  const ctx = await services.users.context(args.userId);
  return userRolesMessage({ roles: ctx.roles, activeRoleId: ctx.activeRole?.id ?? null, hasApiAccess: ctx.hasApiAccess });
}
