import type { KeyStatus } from '../../domain/model.js';
import { SLACK_USER_ID } from '../ids.js';

/**
 * Slack's three control characters. Escaping them in everything a user typed means a key named
 * `<!channel>` pings no one and `<@U123>` fakes no mention (docs/rules.md: escaping).
 */
export function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

// A user mention as Slack sends it in command text (`<@U123|ada>`), or as the app would write it.
const USER_MENTION = /<@([UW][A-Z0-9]{2,})(?:\|[^<>]*)?>/g;

/**
 * Free text someone wrote to other people (a request's reason): their user mentions stay mentions,
 * shown by ID so Slack renders the real name, never the label typed after `|`; everything else
 * (`<!channel>`, links, group mentions) is escaped like any user text. A mention typed out literally
 * renders the same as one picked from the menu, which the writer could have done anyway.
 */
export function escapeTextKeepingMentions(text: string): string {
  let out = '';
  let last = 0;
  for (const match of text.matchAll(USER_MENTION)) {
    out += `${escapeText(text.slice(last, match.index))}<@${match[1]}>`;
    last = match.index + match[0].length;
  }
  return out + escapeText(text.slice(last));
}

/** A date every reader sees in their own time zone; the fallback is for clients that can't render it. */
export function slackDate(isoTime: string, format = '{date_short_pretty} {time}'): string {
  const ms = Date.parse(isoTime);
  const fallback = new Date(ms).toUTCString();
  return `<!date^${Math.floor(ms / 1000)}^${format}|${fallback}>`;
}

export const expiryText = (expiresAt: string | null): string => (expiresAt === null ? 'Never' : slackDate(expiresAt));
export const lastUsedText = (lastUsedAt: string | null): string => (lastUsedAt === null ? 'Never' : slackDate(lastUsedAt));

export const statusEmoji: Record<KeyStatus, string> = {
  Active: ':large_green_circle: Active',
  Inactive: ':white_circle: Inactive',
  Expired: ':red_circle: Expired',
};

export const mention = (userId: string): string => (SLACK_USER_ID.test(userId) ? `<@${userId}>` : escapeText(userId));

/** plain_text objects take text as-is (no mrkdwn), but Slack caps their length. */
export function plain(text: string, max = 75) {
  return { type: 'plain_text' as const, text: text.length > max ? `${text.slice(0, max - 1)}…` : text, emoji: true };
}

export function mrkdwn(text: string) {
  return { type: 'mrkdwn' as const, text: text.length > 3000 ? `${text.slice(0, 2999)}…` : text };
}

/**
 * Lines packed into as few sections as Slack allows (3000 characters each), never cutting a line, so
 * a long list never breaks a `<!date…>` or mention token in half.
 */
export function sectionsOf(lines: string[], maxSections = 20): Array<{ type: 'section'; text: { type: 'mrkdwn'; text: string } }> {
  const sections: string[] = [];
  let current = '';
  for (const line of lines) {
    const next = current === '' ? line : `${current}\n${line}`;
    if (next.length > 2900 && current !== '') {
      sections.push(current);
      current = line.slice(0, 2900);
    } else {
      current = next.slice(0, 2900);
    }
  }
  if (current !== '') sections.push(current);
  return sections.slice(0, maxSections).map((text) => ({ type: 'section' as const, text: { type: 'mrkdwn' as const, text } }));
}

/** A key's effective permissions for a field (Slack caps a field at 2,000 characters). */
export function permissionsText(permissions: readonly string[]): string {
  if (permissions.length === 0) return 'None';
  const text = permissions.map((p) => `\`${p}\``).join(' ');
  return text.length <= 1900 ? text : `${text.slice(0, 1900)}…`;
}

/** Where a key may be used from: "Anywhere", or its ranges (and whether calls outside are only reported). */
export function networksText(key: { networks: readonly string[]; networkReportOnly: boolean }): string {
  if (key.networks.length === 0) return 'Anywhere';
  const ranges = key.networks.map((n) => `\`${n}\``).join(' ');
  return key.networkReportOnly ? `${ranges} (report only)` : ranges;
}
