import { z } from 'zod';
import { KEY_NAME_MAX_CHARS } from '../../domain/limits.js';
import { SECRET_AS_REFERENCE } from '../../domain/keys/find.js';
import { containsSecret } from '../../domain/secrets.js';

/** `/accesskey …` text, parsed into one of the subcommands in docs/rules.md (commands) and the README. */
export type ParsedCommand =
  | { kind: 'help'; unknown?: string }
  | { kind: 'create'; name?: string }
  | { kind: 'list'; allRoles: boolean }
  | { kind: 'show' | 'extend' | 'deactivate' | 'activate' | 'delete' | 'rotate' | 'compromised' | 'usage' | 'networks'; key: string }
  | { kind: 'role'; name?: string }
  | { kind: 'request-access'; reason?: string }
  | { kind: 'admin'; text: string }
  | { kind: 'invalid'; message: string };

const KEY_COMMANDS = ['show', 'extend', 'deactivate', 'activate', 'delete', 'rotate', 'compromised', 'usage', 'networks'] as const;
const ALIASES: Record<string, string> = {
  ls: 'list',
  new: 'create',
  disable: 'deactivate',
  enable: 'activate',
  rm: 'delete',
  remove: 'delete',
  info: 'show',
};

/** Slack caps command text far below this; anything longer is not a person typing. */
const commandText = z.string().max(4000, 'That command is too long.');
const keyReference = z
  .string()
  .trim()
  .min(1)
  .max(100, `A key is named by its ID (ak_…) or its name (up to ${KEY_NAME_MAX_CHARS} characters).`);
const freeText = z.string().trim().max(500, 'Keep it under 500 characters.');

export function unescapeSlack(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Surrounding quotes are a common habit for names with spaces: accept "my key" and 'my key'. */
function unquote(text: string): string {
  const trimmed = text.trim();
  const match = /^(["'“”‘’])(.*)(["'“”‘’])$/s.exec(trimmed);
  return match?.[2] !== undefined ? match[2].trim() : trimmed;
}

function secretRefusal(sub: string): string {
  if (sub === 'request-access') return 'That reason looks like it contains a secret key. Never paste secrets into Slack; leave it out.';
  if (sub === 'create') return 'That name looks like a secret key. Never paste secrets into names.';
  if (KEY_COMMANDS.some((k) => k === sub)) return SECRET_AS_REFERENCE;
  return "That command contains something shaped like a key's secret (aks_…), so I did nothing with it and won't repeat it. Never paste secrets into Slack; if it was a real one, report its key compromised.";
}

export function parseCommand(raw: unknown): ParsedCommand {
  const text = commandText.safeParse(typeof raw === 'string' ? raw : '');
  if (!text.success) return { kind: 'invalid', message: text.error.issues[0]?.message ?? 'Invalid command.' };
  const escaped = text.data.trim();
  if (escaped === '') return { kind: 'help' };
  const [firstWord = ''] = escaped.split(/\s+/);
  // Slack sends &, < and > in command text as entities; admin commands keep them for <@U…> mentions.
  const trimmed = firstWord.toLowerCase() === 'admin' ? escaped : unescapeSlack(escaped);
  const [first = '', ...restWords] = trimmed.split(/\s+/);
  const word = first.toLowerCase();
  const sub = ALIASES[word] ?? word;
  const rest = trimmed.slice(first.length).trim();
  // Every answer below may quote what was typed; a secret is never repeated, even to its sender.
  if (containsSecret(trimmed)) return { kind: 'invalid', message: secretRefusal(sub) };

  switch (sub) {
    case 'help':
      return { kind: 'help' };
    case 'create': {
      const name = freeText.safeParse(unquote(rest));
      if (!name.success) return { kind: 'invalid', message: `A key name can be at most ${KEY_NAME_MAX_CHARS} characters.` };
      return name.data === '' ? { kind: 'create' } : { kind: 'create', name: name.data };
    }
    case 'list': {
      const flags = restWords.map((w) => w.toLowerCase());
      const unknown = flags.find((f) => f !== '--all-roles' && f !== '--all' && f !== 'all');
      if (unknown !== undefined) return { kind: 'invalid', message: `\`list\` takes only \`--all-roles\`, not \`${unknown}\`.` };
      return { kind: 'list', allRoles: flags.length > 0 };
    }
    case 'role':
      return rest === '' ? { kind: 'role' } : { kind: 'role', name: unquote(rest) };
    case 'request-access': {
      const reason = freeText.safeParse(rest);
      if (!reason.success) return { kind: 'invalid', message: 'Keep the reason under 500 characters.' };
      return reason.data === '' ? { kind: 'request-access' } : { kind: 'request-access', reason: reason.data };
    }
    case 'admin':
      return { kind: 'admin', text: rest };
    default: {
      const keyCommand = KEY_COMMANDS.find((k) => k === sub);
      if (keyCommand === undefined) return { kind: 'help', unknown: first };
      const key = keyReference.safeParse(unquote(rest));
      if (!key.success) {
        return {
          kind: 'invalid',
          message:
            rest === ''
              ? `Which key? Use \`/accesskey ${keyCommand} <key ID or name>\`, or pick one from \`/accesskey list\`.`
              : (key.error.issues[0]?.message ?? 'Invalid key.'),
        };
      }
      return { kind: keyCommand, key: key.data };
    }
  }
}
