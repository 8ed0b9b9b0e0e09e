import { escapeText, mrkdwn } from '../../../views/format.js';
import type { SubcommandArgs, SubcommandResult } from './types.js';

/** `role` lists the user's roles (active one marked); `role <name>` switches the active role (R3). */
export async function roleSubcommand(args: SubcommandArgs, name: string | undefined): Promise<SubcommandResult> {
  const { services } = args.ctx;
  if (name !== undefined) {
    const role = await services.users.switchRole(args.userId, name);
    const text = `Your active role is now *${escapeText(role.name)}*. New keys are created in it, and \`/accesskey list\` shows its keys.`;
    return { text: `Active role: ${role.name}`, blocks: [{ type: 'section', text: mrkdwn(text) }] };
  }
  const ctx = await services.users.context(args.userId);
  const lines = ctx.roles.map((r) => `${r.id === ctx.activeRole?.id ? ':white_check_mark: *' : '• '}${escapeText(r.name)}${r.id === ctx.activeRole?.id ? '* (active)' : ''} — up to ${r.maxKeys} key(s)`);
  const access = ctx.hasApiAccess ? 'You have API access.' : 'You have no API access yet: `/accesskey request-access` asks an admin.';
  return {
    text: `Your roles: ${ctx.roles.map((r) => r.name).join(', ')}`,
    blocks: [{ type: 'section', text: mrkdwn(`*Your roles*\n${lines.join('\n')}\n\n${access}\nSwitch with \`/accesskey role <name>\`.`) }],
  };
}
