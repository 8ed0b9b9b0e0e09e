import { z } from 'zod';
import type { PolicyChange } from '../../domain/policy.js';
import { SLACK_USER_ID } from '../ids.js';

/** `/accesskey admin …`, parsed. Mentions arrive escaped (`<@U123|name>`) because of should_escape. */
export type AdminCommand =
  | { kind: 'help'; unknown?: string }
  | { kind: 'grant' | 'revoke-access'; userId: string }
  | { kind: 'roles' }
  | { kind: 'role-create'; name: string; maxKeys: number }
  | { kind: 'role-delete'; name: string }
  | { kind: 'role-assign' | 'role-remove'; userId: string; role: string }
  | { kind: 'keys'; userId?: string; page: number }
  | { kind: 'revoke-key'; key: string }
  | { kind: 'audit'; userId?: string; keyId?: string; since?: string; page: number }
  | { kind: 'export-audit'; since?: string }
  | { kind: 'requests' }
  | { kind: 'role-policy'; role: string; change: PolicyChange }
  | { kind: 'verify-audit' }
  | { kind: 'invalid'; message: string };

const MENTION = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/;

export function parseUserRef(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  return MENTION.exec(token)?.[1] ?? (SLACK_USER_ID.test(token) ? token : undefined);
}

const sinceDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'Dates look like 2026-01-31.')
  .refine(
    (d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d),
    'That is not a real date.',
  );
const pageNumber = z.coerce.number().int('Pages are whole numbers.').min(1, 'Pages start at 1.').max(10_000);
const maxKeys = z.coerce.number().int().min(1).max(10);

/** Pulls `--since X` and `--page N` out of the words; the rest stay positional. */
function options(words: string[]): { rest: string[]; since?: string; page: number; error?: string } {
  const rest: string[] = [];
  let since: string | undefined;
  let page = 1;
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? '';
    if (word === '--since' || word === '--page') {
      const value = words[++i];
      if (value === undefined) return { rest, page, error: `\`${word}\` needs a value.` };
      if (word === '--since') {
        const parsed = sinceDate.safeParse(value);
        if (!parsed.success) return { rest, page, error: parsed.error.issues[0]?.message ?? 'Bad date.' };
        since = parsed.data;
      } else {
        const parsed = pageNumber.safeParse(value);
        if (!parsed.success) return { rest, page, error: parsed.error.issues[0]?.message ?? 'Bad page.' };
        page = parsed.data;
      }
    } else if (word.startsWith('--')) {
      return { rest, page, error: `Unknown option \`${word.replace(/[`<>&]/g, '')}\`.` };
    } else {
      rest.push(word);
    }
  }
  return { rest, since, page };
}

const POLICY_USAGE =
  'Use `/accesskey admin role policy <role> max-days <N|off>` or `/accesskey admin role policy <role> expiry-required on|off`.';
const policyDays = z.coerce.number().int().min(1).max(3650);

/** `<role words…> max-days <N|off>` / `<role words…> expiry-required on|off`: the setting is the last two words. */
function parseRolePolicy(words: string[]): AdminCommand {
  if (words.length < 3) return { kind: 'invalid', message: POLICY_USAGE };
  const value = (words.at(-1) ?? '').toLowerCase();
  const setting = (words.at(-2) ?? '').toLowerCase();
  const role = words.slice(0, -2).join(' ');
  if (setting === 'max-days') {
    if (value === 'off' || value === 'none') return { kind: 'role-policy', role, change: { setting: 'max-days', value: null } };
    const days = policyDays.safeParse(value);
    return days.success
      ? { kind: 'role-policy', role, change: { setting: 'max-days', value: days.data } }
      : { kind: 'invalid', message: 'max-days takes a whole number of days from 1 to 3650, or `off`.' };
  }
  if (setting === 'expiry-required') {
    if (value === 'on' || value === 'off')
      return { kind: 'role-policy', role, change: { setting: 'expiry-required', value: value === 'on' } };
    return { kind: 'invalid', message: 'expiry-required takes `on` or `off`.' };
  }
  return { kind: 'invalid', message: POLICY_USAGE };
}

const needUser = (usage: string): AdminCommand => ({
  kind: 'invalid',
  message: `Name the user with a mention: \`/accesskey admin ${usage}\`.`,
});

export function parseAdminCommand(text: string): AdminCommand {
  const words = text
    .trim()
    .split(/\s+/)
    .filter((w) => w !== '');
  const [verb = 'help', ...args] = words;
  switch (verb.toLowerCase()) {
    case 'help':
      return { kind: 'help' };
    case 'grant': {
      const userId = parseUserRef(args[0]);
      return userId === undefined || args.length !== 1 ? needUser('grant @user') : { kind: 'grant', userId };
    }
    case 'revoke': {
      if (args.length !== 1)
        return {
          kind: 'invalid',
          message: 'Use `/accesskey admin revoke @user` (API access) or `/accesskey admin revoke <key ID>` (one key).',
        };
      const userId = parseUserRef(args[0]);
      return userId === undefined ? { kind: 'revoke-key', key: args[0] ?? '' } : { kind: 'revoke-access', userId };
    }
    case 'roles':
      return { kind: 'roles' };
    case 'role': {
      const [action = '', ...rest] = args;
      switch (action.toLowerCase()) {
        case 'create': {
          const last = rest.at(-1);
          const limit = last !== undefined && /^\d+$/.test(last) ? maxKeys.safeParse(last) : undefined;
          if (limit !== undefined && !limit.success) return { kind: 'invalid', message: 'max_keys must be a whole number from 1 to 10.' };
          const nameWords = limit === undefined ? rest : rest.slice(0, -1);
          if (nameWords.length === 0) return { kind: 'invalid', message: 'Use `/accesskey admin role create <name> [max_keys]`.' };
          return { kind: 'role-create', name: nameWords.join(' '), maxKeys: limit?.data ?? 2 };
        }
        case 'policy':
          return parseRolePolicy(rest);
        case 'delete':
          return rest.length === 0
            ? { kind: 'invalid', message: 'Use `/accesskey admin role delete <name>`.' }
            : { kind: 'role-delete', name: rest.join(' ') };
        case 'assign':
        case 'remove': {
          const userId = parseUserRef(rest[0]);
          if (userId === undefined || rest.length < 2) return needUser(`role ${action.toLowerCase()} @user <role>`);
          return { kind: action.toLowerCase() === 'assign' ? 'role-assign' : 'role-remove', userId, role: rest.slice(1).join(' ') };
        }
        default:
          return { kind: 'invalid', message: 'Use `role create|delete|assign|remove|policy …`; see `/accesskey admin help`.' };
      }
    }
    case 'keys': {
      const parsed = options(args);
      if (parsed.error !== undefined) return { kind: 'invalid', message: parsed.error };
      const userId = parseUserRef(parsed.rest[0]);
      if (parsed.rest.length > 1 || (parsed.rest.length === 1 && userId === undefined)) return needUser('keys [@user] [--page N]');
      return userId === undefined ? { kind: 'keys', page: parsed.page } : { kind: 'keys', userId, page: parsed.page };
    }
    case 'audit': {
      const parsed = options(args);
      if (parsed.error !== undefined) return { kind: 'invalid', message: parsed.error };
      if (parsed.rest.length > 1)
        return { kind: 'invalid', message: 'Use `/accesskey admin audit [@user|key ID] [--since YYYY-MM-DD] [--page N]`.' };
      const subject = parsed.rest[0];
      const userId = parseUserRef(subject);
      const base = { kind: 'audit' as const, page: parsed.page, ...(parsed.since === undefined ? {} : { since: parsed.since }) };
      if (subject === undefined) return base;
      return userId !== undefined ? { ...base, userId } : { ...base, keyId: subject };
    }
    case 'requests':
      return args.length === 0
        ? { kind: 'requests' }
        : { kind: 'invalid', message: 'Use `/accesskey admin requests` (it takes no options).' };
    case 'export-audit': {
      const parsed = options(args);
      if (parsed.error !== undefined) return { kind: 'invalid', message: parsed.error };
      if (parsed.rest.length > 0) return { kind: 'invalid', message: 'Use `/accesskey admin export-audit [--since YYYY-MM-DD]`.' };
      return parsed.since === undefined ? { kind: 'export-audit' } : { kind: 'export-audit', since: parsed.since };
    }
    case 'verify-audit':
      return args.length === 0
        ? { kind: 'verify-audit' }
        : { kind: 'invalid', message: 'Use `/accesskey admin verify-audit` (no options).' };
    default:
      return { kind: 'help', unknown: verb };
  }
}
