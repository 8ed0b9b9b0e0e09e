import { describePolicy, hasPolicy, policyOf } from '../../domain/policy.js';
import type { DeletionImpact } from '../../domain/roles.js';
import type { AuditRecord, Role } from '../../domain/model.js';
import { COMMAND, ACTION } from '../ids.js';
import type { KnownBlock, Message } from './blocks.js';
import { escapeText, lastUsedText, mention, mrkdwn, plain, sectionsOf, slackDate } from './format.js';
import { statusText, type KeyRow } from './keys.js';
import { plural } from '../../domain/text.js';

/** What help and usage errors need of an admin verb (its row in `listeners/commands/accesskey/admin.ts`). */
export interface AdminVerbHelp {
  verb: string;
  usage: string;
  summary: string;
}

const usageLine = (v: AdminVerbHelp): string => (v.usage === '' ? v.verb : `${v.verb} ${v.usage}`);

/** The answer to a wrong use of a verb (or of a family such as `role …`): what was wrong, then how to use it. */
export function adminUsageText(verbs: ReadonlyArray<AdminVerbHelp>, problem?: string): string {
  const usages = verbs.map((v) => `\`${COMMAND} admin ${usageLine(v)}\``).join(' or ');
  return `${problem === undefined ? '' : `${problem} `}Use ${usages}.`;
}

export function adminHelpMessage(verbs: ReadonlyArray<AdminVerbHelp>, prefix?: string): Message {
  const lines = verbs.map((v) => `• \`${escapeText(usageLine(v))}\` — ${escapeText(v.summary)}`);
  const text = `${prefix === undefined ? '' : `${prefix}\n`}*Admin commands* (\`${COMMAND} admin …\`)\n${lines.join('\n')}`;
  return { text: 'Admin commands', blocks: [{ type: 'section', text: mrkdwn(text) }] };
}

export function rolesMessage(roles: Array<Role & { members: number }>): Message {
  const lines = roles.map((r) => {
    const policy = policyOf(r);
    const policyText = hasPolicy(policy) ? ` · policy: ${describePolicy(policy)}` : '';
    // A count only: one section holds every role (`role permissions <role>` lists them).
    const permissionsText = r.permissions.length === 0 ? '' : ` · ${plural(r.permissions.length, 'permission')}`;
    return `• *${escapeText(r.name)}* — up to ${plural(r.maxKeys, 'key')} per user · ${plural(r.members, 'member')}${r.builtin ? ' · built-in' : ''}${policyText}${permissionsText}`;
  });
  return { text: plural(roles.length, 'role'), blocks: [{ type: 'section', text: mrkdwn(`*Roles*\n${lines.join('\n')}`) }] };
}

/** R4: before deleting, the admin sees which keys go, their owners and when each was last used. */
export function impactMessage(impact: DeletionImpact, kind: 'delete' | 'remove', confirmValue: string): Message {
  const role = escapeText(impact.role.name);
  const subject = kind === 'delete' ? `Delete the role *${role}*?` : `Remove *${role}* from ${mention(impact.members[0] ?? '')}?`;
  const keyLines = impact.keys
    .slice(0, 40)
    .map((k) => `• *${escapeText(k.name)}* \`${k.id}\` — ${mention(k.ownerId)}, last used ${lastUsedText(k.lastUsedAt)}`);
  const more = impact.keys.length > 40 ? `\n…and ${impact.keys.length - 40} more` : '';
  const keysText =
    impact.keys.length === 0
      ? 'No keys are tied to it.'
      : `${impact.keys.length === 1 ? 'This key' : `These ${impact.keys.length} keys`} will be *deleted*; integrations using ${impact.keys.length === 1 ? 'it' : 'them'} stop working:\n${keyLines.join('\n')}${more}`;
  const members =
    kind === 'delete' ? `\n${plural(impact.members.length, 'member')} ${impact.members.length === 1 ? 'loses' : 'lose'} the role.` : '';
  const blocks: KnownBlock[] = [
    ...sectionsOf(`${subject}\n${keysText}${members}`.split('\n'), 10),
    {
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: kind === 'delete' ? ACTION.confirmRoleDeletion : ACTION.confirmRoleRemoval,
          text: plain(kind === 'delete' ? 'Delete role' : 'Remove role'),
          style: 'danger',
          value: confirmValue,
          confirm: {
            title: plain('Are you sure?', 100),
            text: mrkdwn(`${plural(impact.keys.length, 'key')} will be deleted. This cannot be undone.`),
            confirm: plain(kind === 'delete' ? 'Delete' : 'Remove', 30),
            deny: plain('Cancel', 30),
            style: 'danger',
          },
        },
        { type: 'button', action_id: ACTION.cancel, text: plain('Cancel'), value: 'cancel' },
      ],
    },
  ];
  return { text: `${kind === 'delete' ? 'Delete' : 'Remove'} role ${role}?`, blocks };
}

/** `admin keys [@user]`: every key, or one person's (then headed with their name, not "All keys"). */
export function adminKeysMessage(rows: KeyRow[], page: number, pages: number, total: number, ownerId?: string): Message {
  const lines = rows.map(
    (r) =>
      `• *${escapeText(r.key.name)}* \`${r.key.id}\` — ${mention(r.key.ownerId)} · ${escapeText(r.roleName)} · ${statusText(r)} · last used ${lastUsedText(r.key.lastUsedAt)}${r.policyIssue === undefined ? '' : ` · :warning: out of policy: ${escapeText(r.policyIssue)}`}`,
  );
  const heading = ownerId === undefined ? '*All keys*' : `*Keys of ${mention(ownerId)}*`;
  const body = rows.length === 0 ? 'No keys.' : lines.join('\n');
  const footer =
    pages > 1
      ? `\nPage ${page} of ${pages} (${plural(total, 'key')}) · \`--page ${Math.min(page + 1, pages)}\` for more`
      : `\n${plural(total, 'key')}`;
  return {
    text: ownerId === undefined ? plural(total, 'key') : `${plural(total, 'key')} of ${mention(ownerId)}`,
    blocks: [...sectionsOf([heading, ...body.split('\n')]), { type: 'context', elements: [mrkdwn(footer)] }],
  };
}

export function auditLine(record: AuditRecord): string {
  const key = record.keyId === null ? '' : ` · *${escapeText(record.keyName ?? '')}* \`${record.keyId}\``;
  const owner = record.ownerId === null ? '' : ` · owner ${mention(record.ownerId)}`;
  const role = record.roleName === null ? '' : ` · ${escapeText(record.roleName)}`;
  return `\`#${record.seq}\` ${slackDate(record.at)} · \`${record.action}\` by ${mention(record.actorId)}${key}${owner}${role}`;
}

export function auditMessage(records: AuditRecord[], page: number): Message {
  const body = records.length === 0 ? 'No audit records match.' : records.map(auditLine).join('\n');
  return {
    text: plural(records.length, 'audit record'),
    blocks: sectionsOf([`*Audit log* (newest first, page ${page})`, ...body.split('\n')]),
  };
}

/** R4: the DM to an owner whose keys went with a role. */
export function keysDeletedDm(why: string, keys: Array<{ id: string; name: string }>): Message {
  const names = keys.map((k) => `*${escapeText(k.name)}* \`${k.id}\``).join(', ');
  const text = `:warning: ${why} ${keys.length === 1 ? `Your key ${names} was` : `Your keys ${names} were`} deleted. Integrations using ${keys.length === 1 ? 'it' : 'them'} stop working now; create new keys in another role if you still need access.`;
  return {
    text: `${why} ${keys.length === 1 ? 'One of your keys was' : `${keys.length} of your keys were`} deleted; integrations using ${keys.length === 1 ? 'it' : 'them'} stop working.`.replace(
      /[*`]/g,
      '',
    ),
    blocks: [{ type: 'section', text: mrkdwn(text) }],
  };
}
