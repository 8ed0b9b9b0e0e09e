import { parseAdminCommand } from '../../../input/admin-command.js';
import { adminHelpMessage } from '../../../views/admin.js';
import { errorMessage } from '../../../views/messages.js';
import { openRequestsMessage } from '../../../views/notifications.js';
import { grantAccess, revokeAccess } from './admin/access.js';
import { exportAuditCsv, showAudit } from './admin/audit.js';
import { listAllKeys, revokeKey } from './admin/keys.js';
import { assignRole, createRole, listRoles, previewRoleDeletion, previewRoleRemoval } from './admin/roles.js';
import { setRolePolicy } from './admin/policy.js';
import { verifyAuditCommand } from './admin/verify-audit.js';
import type { SubcommandArgs, SubcommandResult } from './types.js';

/** `/accesskey admin …`: every action checks the System Admin role in the domain, not here. */
export async function adminSubcommand(args: SubcommandArgs, text: string): Promise<SubcommandResult> {
  const command = parseAdminCommand(text);
  switch (command.kind) {
    case 'help':
      await args.ctx.services.admin.require(args.userId);
      return adminHelpMessage(
        command.unknown === undefined ? undefined : `I don't know \`admin ${command.unknown.slice(0, 40).replace(/[`<>&]/g, '')}\`.`,
      );
    case 'invalid':
      await args.ctx.services.admin.require(args.userId);
      return errorMessage(command.message);
    case 'grant':
      return grantAccess(args, command.userId);
    case 'revoke-access':
      return revokeAccess(args, command.userId);
    case 'roles':
      return listRoles(args);
    case 'role-create':
      return createRole(args, command.name, command.maxKeys);
    case 'role-delete':
      return previewRoleDeletion(args, command.name);
    case 'role-assign':
      return assignRole(args, command.userId, command.role);
    case 'role-remove':
      return previewRoleRemoval(args, command.userId, command.role);
    case 'keys':
      return listAllKeys(args, command.userId, command.page);
    case 'revoke-key':
      return revokeKey(args, command.key);
    case 'audit':
      return showAudit(args, command);
    case 'export-audit':
      return exportAuditCsv(args, command.since);
    case 'requests':
      return openRequestsMessage(await args.ctx.services.access.listOpen(args.userId), args.ctx.now());
    case 'role-policy':
      return setRolePolicy(args, command.role, command.change);
    case 'verify-audit':
      return verifyAuditCommand(args);
  }
}
