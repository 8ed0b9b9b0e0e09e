import {
  type ParsedArgs,
  parseAuditFilter,
  parseExportSince,
  parseKeysFilter,
  parseNoArgs,
  parseOptionalUser,
  parseRevoke,
  parseRoleCreate,
  parseRoleName,
  parseRolePermissions,
  parseRolePolicy,
  parseReviewId,
  parseReviewStart,
  parseTransfer,
  parseSettings,
  parseUserAndRole,
  parseUserArg,
  wordsOf,
} from '../../../input/admin-command.js';
import { adminHelpMessage, adminUsageText } from '../../../views/admin.js';
import { errorMessage } from '../../../views/messages.js';
import { openRequestsMessage } from '../../../views/notifications.js';
import { grantAccess, revokeAccess } from './admin/access.js';
import { exportAuditCsv, showAudit } from './admin/audit.js';
import { listAllKeys, revokeKey } from './admin/keys.js';
import { assignRole, createRole, listRoles, previewRoleDeletion, previewRoleRemoval } from './admin/roles.js';
import { setRolePolicy } from './admin/policy.js';
import { rolePermissionsCommand } from './admin/permissions.js';
import { transferKey } from './admin/transfer.js';
import { exportReviewCsv, reviewStatus, startReview } from './admin/reviews.js';
import { verifyAuditCommand } from './admin/verify-audit.js';
import { streamsCommand } from './admin/streams.js';
import { mfaEnroll, mfaReset, mfaStatus } from './admin/mfa.js';
import { channelSettings } from './admin/settings.js';
import type { SubcommandArgs, SubcommandResult } from './types.js';

/**
 * One `/accesskey admin` verb: its words, its arguments as help shows them, what it does, how its
 * arguments are parsed (`src/slack/input/admin-command.ts`) and what runs them. Help and every usage
 * error come from these rows. `run` is a method so that a row typed for its own `T` fits the table.
 */
export interface AdminVerb<T> {
  verb: string;
  usage: string;
  summary: string;
  parse(words: string[]): ParsedArgs<T>;
  run(args: SubcommandArgs, input: T): Promise<SubcommandResult> | SubcommandResult;
}

/** Checks a row's `parse` and `run` against each other (the table itself holds rows of any `T`). */
const row = <T>(verb: AdminVerb<T>): AdminVerb<T> => verb;

/** To add a verb: one row here (and its parser in `src/slack/input/admin-command.ts`). Every action checks the admin role in the domain. */
export const ADMIN_VERBS: ReadonlyArray<AdminVerb<unknown>> = [
  row({
    verb: 'grant',
    usage: '@user',
    summary: 'enable API access',
    parse: parseUserArg,
    run: (args, { userId }) => grantAccess(args, userId),
  }),
  row({
    verb: 'revoke',
    usage: '@user|<key ID>',
    summary: "disable a user's API access (their keys become inactive), or make anyone's key inactive (recorded as a revocation)",
    parse: parseRevoke,
    run: (args, input) => ('userId' in input ? revokeAccess(args, input.userId) : revokeKey(args, input.key)),
  }),
  row({ verb: 'roles', usage: '', summary: 'all roles with their key limits and members', parse: parseNoArgs, run: listRoles }),
  row({
    verb: 'role create',
    usage: '<name> [max_keys]',
    summary: 'a new role (up to 2 keys per user unless max_keys says otherwise)',
    parse: parseRoleCreate,
    run: (args, { name, maxKeys }) => createRole(args, name, maxKeys),
  }),
  row({
    verb: 'role delete',
    usage: '<name>',
    summary: 'delete a role (shows the impact first)',
    parse: parseRoleName,
    run: (args, { name }) => previewRoleDeletion(args, name),
  }),
  row({
    verb: 'role assign',
    usage: '@user <role>',
    summary: 'give a user a role',
    parse: parseUserAndRole,
    run: (args, { userId, role }) => assignRole(args, userId, role),
  }),
  row({
    verb: 'role remove',
    usage: '@user <role>',
    summary: 'take a role away (deletes their keys in it; asks first)',
    parse: parseUserAndRole,
    run: (args, { userId, role }) => previewRoleRemoval(args, userId, role),
  }),
  row({
    verb: 'role policy',
    usage: '<role> max-days <N|off> | <role> expiry-required on|off',
    summary: 'lifetime policy for new and extended keys',
    parse: parseRolePolicy,
    run: (args, { role, change }) => setRolePolicy(args, role, change),
  }),
  row({
    verb: 'role permissions',
    usage: '<role> [add|remove <permission>…]',
    summary: "show or change a role's permissions (every key of the role is narrowed at once)",
    parse: parseRolePermissions,
    run: (args, input) => rolePermissionsCommand(args, input.role, input.change),
  }),
  row({
    verb: 'keys',
    usage: '[@user] [--page N]',
    summary: 'every key, paged',
    parse: parseKeysFilter,
    run: (args, { userId, page }) => listAllKeys(args, userId, page),
  }),
  row({
    verb: 'audit',
    usage: '[@user|key ID] [--since YYYY-MM-DD] [--page N]',
    summary: 'latest audit records',
    parse: parseAuditFilter,
    run: showAudit,
  }),
  row({
    verb: 'export-audit',
    usage: '[--since YYYY-MM-DD]',
    summary: 'the audit log as CSV in your DM',
    parse: parseExportSince,
    run: (args, { since }) => exportAuditCsv(args, since),
  }),
  row({
    verb: 'requests',
    usage: '',
    summary: 'open API-access requests with their age',
    parse: parseNoArgs,
    run: async (args) => openRequestsMessage(await args.ctx.services.access.listOpen(args.userId), args.ctx.now()),
  }),
  row({
    verb: 'transfer',
    usage: '<key ID> @user',
    summary: 'give a key to someone who holds its role and API access (both are told)',
    parse: parseTransfer,
    run: (args, { key, userId }) => transferKey(args, key, userId),
  }),
  row({
    verb: 'review start',
    usage: '[role <name>] [deadline <duration>] [default inactivate|keep]',
    summary:
      'an access review: each owner is asked per key (Keep / Make inactive / Delete); the default applies at the deadline (14d unless set)',
    parse: parseReviewStart,
    run: startReview,
  }),
  row({ verb: 'review status', usage: '', summary: 'access reviews with answered / open keys', parse: parseNoArgs, run: reviewStatus }),
  row({
    verb: 'review export',
    usage: '<review ID>',
    summary: "a review's answers as CSV in your DM, each row with its audit record",
    parse: parseReviewId,
    run: (args, { campaignId }) => exportReviewCsv(args, campaignId),
  }),
  row({
    verb: 'verify-audit',
    usage: '',
    summary: 'walk the audit hash chain and cross-check it with the security channel',
    parse: parseNoArgs,
    run: verifyAuditCommand,
  }),
  row({
    verb: 'streams',
    usage: '',
    summary: 'event streams for SIEMs: list, add, pause, delete, send a test event, replay',
    parse: parseNoArgs,
    run: streamsCommand,
  }),
  row({
    verb: 'mfa enroll',
    usage: '',
    summary: 'set up step-up codes: a QR code in your DM, then a first code to confirm',
    parse: parseNoArgs,
    run: mfaEnroll,
  }),
  row({
    verb: 'mfa status',
    usage: '[@admin]',
    summary: 'whether you (or another admin) are enrolled, and whether step-up is on',
    parse: parseOptionalUser,
    run: (args, { userId }) => mfaStatus(args, userId),
  }),
  row({
    verb: 'mfa reset',
    usage: '@admin',
    summary: "remove another admin's enrolment (a lost phone); needs two admins when possible",
    parse: parseUserArg,
    run: (args, { userId }) => mfaReset(args, userId),
  }),
  row({
    verb: 'settings',
    usage: '[audit|approvals #channel|default]',
    summary: 'where audit posts and access requests go (over AUDIT_CHANNEL_ID / APPROVALS_CHANNEL_ID)',
    parse: parseSettings,
    run: (args, { change }) => channelSettings(args, change),
  }),
];

/** What the admin text asks for: a verb with its words, usage trouble, or help (maybe for an unknown verb). */
export type AdminRequest =
  | { kind: 'verb'; verb: AdminVerb<unknown>; input: unknown }
  | { kind: 'invalid'; message: string }
  | { kind: 'help'; unknown?: string };

/** The row whose verb the text starts with (the longest, so `role create` wins over a `role`). */
function findVerb(words: string[]): AdminVerb<unknown> | undefined {
  const said = words.map((w) => w.toLowerCase());
  const matches = ADMIN_VERBS.filter((v) => v.verb.split(' ').every((w, i) => said[i] === w));
  return matches.sort((a, b) => b.verb.length - a.verb.length)[0];
}

export function parseAdminText(text: string): AdminRequest {
  const words = wordsOf(text);
  const [first = 'help'] = words;
  if (first.toLowerCase() === 'help') return { kind: 'help' };
  const verb = findVerb(words);
  if (verb === undefined) {
    // `role frobnicate`: the family is known, so its verbs are the answer, not the whole help.
    const family = ADMIN_VERBS.filter((v) => v.verb.split(' ')[0] === first.toLowerCase() && v.verb.includes(' '));
    if (family.length > 0) return { kind: 'invalid', message: adminUsageText(family) };
    return { kind: 'help', unknown: first };
  }
  const parsed = verb.parse(words.slice(verb.verb.split(' ').length));
  if (!parsed.ok) return { kind: 'invalid', message: adminUsageText([verb], parsed.problem) };
  return { kind: 'verb', verb, input: parsed.value };
}

/** `/accesskey admin …`: every action checks the System Admin role in the domain, not here. */
export async function adminSubcommand(args: SubcommandArgs, text: string): Promise<SubcommandResult> {
  const request = parseAdminText(text);
  if (request.kind === 'verb') return request.verb.run(args, request.input);
  // Help and usage errors show what admins can do: only to admins.
  await args.ctx.services.admin.require(args.userId);
  if (request.kind === 'invalid') return errorMessage(request.message);
  const unknown =
    request.unknown === undefined ? undefined : `I don't know \`admin ${request.unknown.slice(0, 40).replace(/[`<>&]/g, '')}\`.`;
  return adminHelpMessage(ADMIN_VERBS, unknown);
}
