import { z } from 'zod';
import { parseDuration } from '../../domain/duration.js';
import type { PolicyChange } from '../../domain/policy.js';
import { SLACK_USER_ID } from '../ids.js';

/**
 * The arguments of each `/accesskey admin` verb (the words after the verb), parsed. Each parser answers
 * a value or a refusal; a refusal may say what was wrong (`problem`), and the verb table
 * (`listeners/commands/accesskey/admin.ts`) adds the verb's usage line to it. Mentions arrive escaped
 * (`<@U123|name>`) because of should_escape.
 */
export type ParsedArgs<T> = { ok: true; value: T } | { ok: false; problem?: string };

const ok = <T>(value: T): ParsedArgs<T> => ({ ok: true, value });
const refused = (problem?: string): ParsedArgs<never> => (problem === undefined ? { ok: false } : { ok: false, problem });

/** The words of command text, without empty ones. */
export function wordsOf(text: string): string[] {
  return text
    .trim()
    .split(/\s+/)
    .filter((w) => w !== '');
}

const MENTION = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/;

export function parseUserRef(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  return MENTION.exec(token)?.[1] ?? (SLACK_USER_ID.test(token) ? token : undefined);
}

const NEED_MENTION = 'Name the user with a mention.';

const sinceDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'Dates look like 2026-01-31.')
  .refine(
    (d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d),
    'That is not a real date.',
  );
const pageNumber = z.coerce.number().int('Pages are whole numbers.').min(1, 'Pages start at 1.').max(10_000);
const maxKeys = z.coerce.number().int().min(1).max(10);
const policyDays = z.coerce.number().int().min(1).max(3650);

const firstIssue = (error: z.ZodError, fallback: string): string => error.issues[0]?.message ?? fallback;

interface Options {
  rest: string[];
  since?: string;
  page: number;
}

/** One `--name value` option, checked by its schema. */
function optionValue(word: string, value: string | undefined): ParsedArgs<{ since: string } | { page: number }> {
  if (value === undefined) return refused(`\`${word}\` needs a value.`);
  if (word === '--since') {
    const parsed = sinceDate.safeParse(value);
    return parsed.success ? ok({ since: parsed.data }) : refused(firstIssue(parsed.error, 'Bad date.'));
  }
  const parsed = pageNumber.safeParse(value);
  return parsed.success ? ok({ page: parsed.data }) : refused(firstIssue(parsed.error, 'Bad page.'));
}

/** Pulls the options a verb takes (`--since X`, `--page N`) out of the words; the rest stay positional. */
function options(words: string[], allowed: ReadonlyArray<'--since' | '--page'>): ParsedArgs<Options> {
  const found: Options = { rest: [], page: 1 };
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? '';
    if (!word.startsWith('--')) {
      found.rest.push(word);
      continue;
    }
    if (!allowed.some((a) => a === word)) return refused(`Unknown option \`${word.replace(/[`<>&]/g, '')}\`.`);
    i += 1;
    const value = optionValue(word, words[i]);
    if (!value.ok) return value;
    Object.assign(found, value.value);
  }
  return ok(found);
}

/** `roles`, `requests`, `verify-audit`. */
export function parseNoArgs(words: string[]): ParsedArgs<Record<string, never>> {
  return words.length === 0 ? ok({}) : refused('It takes no options.');
}

/** `grant @user`. */
export function parseUserArg(words: string[]): ParsedArgs<{ userId: string }> {
  const userId = parseUserRef(words[0]);
  return userId === undefined || words.length !== 1 ? refused(NEED_MENTION) : ok({ userId });
}

/** `mfa status [@user]`: oneself unless someone is named. */
export function parseOptionalUser(words: string[]): ParsedArgs<{ userId?: string }> {
  if (words.length === 0) return ok({});
  return parseUserArg(words);
}

/** `revoke @user` (API access) or `revoke <key ID>` (one key). */
export function parseRevoke(words: string[]): ParsedArgs<{ userId: string } | { key: string }> {
  const [subject] = words;
  if (subject === undefined || words.length !== 1) return refused();
  const userId = parseUserRef(subject);
  return ok(userId === undefined ? { key: subject } : { userId });
}

/** `transfer <key> @user`: the key by ID (or the admin's own key by name), then the new owner. */
export function parseTransfer(words: string[]): ParsedArgs<{ key: string; userId: string }> {
  const newOwner = parseUserRef(words.at(-1));
  const key = words.slice(0, -1).join(' ');
  return newOwner === undefined || key.length === 0 ? refused(NEED_MENTION) : ok({ key, userId: newOwner });
}

const REVIEW_OPTIONS = new Set(['role', 'deadline', 'default']);

/** `review start [role <name words…>] [deadline <duration>] [default inactivate|keep]`, in any order. */
export function parseReviewStart(
  words: string[],
): ParsedArgs<{ roleName?: string; durationMs?: number; defaultDecision?: 'inactivate' | 'keep' }> {
  const value: { roleName?: string; durationMs?: number; defaultDecision?: 'inactivate' | 'keep' } = {};
  for (let i = 0; i < words.length; ) {
    const option = (words[i] ?? '').toLowerCase();
    if (!REVIEW_OPTIONS.has(option) || option in value) return refused();
    let end = i + 1;
    while (end < words.length && !REVIEW_OPTIONS.has((words[end] ?? '').toLowerCase())) end += 1;
    const rest = words.slice(i + 1, end);
    if (rest.length === 0) return refused(`\`${option}\` needs a value.`);
    if (option === 'role') value.roleName = rest.join(' ');
    else if (rest.length !== 1) return refused();
    else if (option === 'deadline') {
      const ms = parseDuration(rest[0] ?? '');
      if (ms === undefined) return refused('A deadline is a whole number and a unit: `30m`, `12h`, `14d`.');
      value.durationMs = ms;
    } else {
      const choice = (rest[0] ?? '').toLowerCase();
      if (choice !== 'inactivate' && choice !== 'keep') return refused('The default is `inactivate` or `keep`.');
      value.defaultDecision = choice;
    }
    i = end;
  }
  return ok(value);
}

/** `review export <campaign ID>`. */
export function parseReviewId(words: string[]): ParsedArgs<{ campaignId: string }> {
  const [id] = words;
  return id === undefined || words.length !== 1 ? refused() : ok({ campaignId: id });
}

/** `role create <name words…> [max_keys]`. */
export function parseRoleCreate(words: string[]): ParsedArgs<{ name: string; maxKeys: number }> {
  const last = words.at(-1);
  const limit = last !== undefined && /^\d+$/.test(last) ? maxKeys.safeParse(last) : undefined;
  if (limit !== undefined && !limit.success) return refused('max_keys must be a whole number from 1 to 10.');
  const nameWords = limit === undefined ? words : words.slice(0, -1);
  return nameWords.length === 0 ? refused() : ok({ name: nameWords.join(' '), maxKeys: limit?.data ?? 2 });
}

/** `role delete <name words…>`. */
export function parseRoleName(words: string[]): ParsedArgs<{ name: string }> {
  return words.length === 0 ? refused() : ok({ name: words.join(' ') });
}

/** `role assign|remove @user <role words…>`. */
export function parseUserAndRole(words: string[]): ParsedArgs<{ userId: string; role: string }> {
  const userId = parseUserRef(words[0]);
  return userId === undefined || words.length < 2 ? refused(NEED_MENTION) : ok({ userId, role: words.slice(1).join(' ') });
}

function maxDaysChange(value: string): ParsedArgs<PolicyChange> {
  if (value === 'off' || value === 'none') return ok({ setting: 'max-days', value: null });
  const days = policyDays.safeParse(value);
  return days.success
    ? ok({ setting: 'max-days', value: days.data })
    : refused('max-days takes a whole number of days from 1 to 3650, or `off`.');
}

/** `role policy <role words…> max-days <N|off>` / `… expiry-required on|off`: the setting is the last two words. */
export function parseRolePolicy(words: string[]): ParsedArgs<{ role: string; change: PolicyChange }> {
  if (words.length < 3) return refused();
  const value = (words.at(-1) ?? '').toLowerCase();
  const setting = (words.at(-2) ?? '').toLowerCase();
  const role = words.slice(0, -2).join(' ');
  let change: ParsedArgs<PolicyChange>;
  if (setting === 'max-days') change = maxDaysChange(value);
  else if (setting === 'expiry-required')
    change =
      value === 'on' || value === 'off'
        ? ok({ setting: 'expiry-required', value: value === 'on' })
        : refused('expiry-required takes `on` or `off`.');
  else change = refused();
  return change.ok ? ok({ role, change: change.value }) : change;
}

/**
 * `role permissions <role words…>` (show) / `… add|remove <perm…>` (change). The operation is the first
 * `add`/`remove` after at least one role word; permissions are then the words after it (commas allowed).
 */
export function parseRolePermissions(
  words: string[],
): ParsedArgs<{ role: string; change?: { op: 'add' | 'remove'; permissions: string[] } }> {
  if (words.length === 0) return refused();
  const at = words.findIndex((word, i) => i > 0 && (word.toLowerCase() === 'add' || word.toLowerCase() === 'remove'));
  if (at === -1) return ok({ role: words.join(' ') });
  const op = (words[at] ?? '').toLowerCase() === 'add' ? 'add' : 'remove';
  const permissions = words
    .slice(at + 1)
    .flatMap((word) => word.split(','))
    .map((word) => word.trim())
    .filter((word) => word !== '');
  if (permissions.length === 0) return refused(`Name the permissions to ${op}, like \`alerts.read policies.write\`.`);
  return ok({ role: words.slice(0, at).join(' '), change: { op, permissions } });
}

/** `keys [@user] [--page N]`. */
export function parseKeysFilter(words: string[]): ParsedArgs<{ userId?: string; page: number }> {
  const parsed = options(words, ['--page']);
  if (!parsed.ok) return parsed;
  const { rest, page } = parsed.value;
  if (rest.length === 0) return ok({ page });
  const userId = parseUserRef(rest[0]);
  return userId === undefined || rest.length > 1 ? refused(NEED_MENTION) : ok({ userId, page });
}

/** `audit [@user|key ID] [--since YYYY-MM-DD] [--page N]`. */
export function parseAuditFilter(words: string[]): ParsedArgs<{ userId?: string; keyId?: string; since?: string; page: number }> {
  const parsed = options(words, ['--since', '--page']);
  if (!parsed.ok) return parsed;
  const { rest, since, page } = parsed.value;
  if (rest.length > 1) return refused();
  const base = { page, ...(since === undefined ? {} : { since }) };
  const [subject] = rest;
  if (subject === undefined) return ok(base);
  const userId = parseUserRef(subject);
  return ok(userId === undefined ? { ...base, keyId: subject } : { ...base, userId });
}

/** `export-audit [--since YYYY-MM-DD]`. */
export function parseExportSince(words: string[]): ParsedArgs<{ since?: string }> {
  const parsed = options(words, ['--since']);
  if (!parsed.ok) return parsed;
  const { rest, since } = parsed.value;
  if (rest.length > 0) return refused();
  return ok(since === undefined ? {} : { since });
}

const CHANNEL_REF = /^(?:<#([CGD][A-Z0-9]{2,})(?:\|[^>]*)?>|([CGD][A-Z0-9]{2,}))$/;

/** `settings` (show), `settings audit|approvals #channel` (set), `settings audit|approvals default` (back to the env). */
export function parseSettings(words: string[]): ParsedArgs<{ change?: { purpose: 'audit' | 'approvals'; channelId: string | null } }> {
  if (words.length === 0) return ok({});
  const [purpose, target] = words;
  if ((purpose !== 'audit' && purpose !== 'approvals') || target === undefined || words.length !== 2) {
    return refused('Name the setting and a channel: `audit #security-audit` or `approvals default`.');
  }
  if (target === 'default') return ok({ change: { purpose, channelId: null } });
  const match = CHANNEL_REF.exec(target);
  const channelId = match?.[1] ?? match?.[2];
  return channelId === undefined
    ? refused('Name the channel with #channel (or its ID, C0123ABCD).')
    : ok({ change: { purpose, channelId } });
}
