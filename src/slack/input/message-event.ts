import { z } from 'zod';
import { SECRET_LENGTH, SECRET_PREFIX } from '../../domain/secrets.js';

/**
 * A Slack `message` event as the leak watch reads it (docs/leak-response.md): a new message, or an edit
 * (`message_changed`, whose new text is `event.message`). Everything else about the payload is left to
 * Slack; only what is used here is checked.
 */
const messageBody = z.looseObject({
  ts: z.string().min(1).max(50),
  user: z.string().min(1).max(50).optional(),
  bot_id: z.string().optional(),
  subtype: z.string().optional(),
});

const messageEvent = z.looseObject({
  channel: z.string().min(1).max(50),
  ts: z.string().min(1).max(50),
  subtype: z.string().optional(),
  user: z.string().min(1).max(50).optional(),
  bot_id: z.string().optional(),
  message: messageBody.optional(),
});

/** Where a message with secrets was posted, who posted it, and each distinct secret-shaped string in it. */
export interface WatchedMessage {
  channel: string;
  ts: string;
  userId: string;
  botId: string | undefined;
  secrets: string[];
}

// A whole secret, not inside a longer run of base62 (which would be some other token).
const SECRET = new RegExp(`(?<![0-9A-Za-z_])${SECRET_PREFIX}[0-9A-Za-z]{${SECRET_LENGTH - SECRET_PREFIX.length}}(?![0-9A-Za-z])`, 'g');
/** A message may quote many keys; past this many it is someone's dump, and the first ones are handled. */
const MAX_SECRETS_PER_MESSAGE = 20;

/**
 * Every string of the message (text, blocks, attachments, however deep), plus the joined text of each
 * list of rich-text elements, so a secret split by formatting (half of it bold) is found too.
 */
function stringsOf(value: unknown, out: string[], depth = 0): void {
  if (depth > 20) return;
  if (typeof value === 'string') {
    out.push(value);
    return;
  }
  if (Array.isArray(value)) {
    const texts = value.map((item: unknown) =>
      typeof item === 'object' && item !== null && 'text' in item && typeof item.text === 'string' ? item.text : '',
    );
    if (texts.filter((t) => t !== '').length > 1) out.push(texts.join(''));
    for (const item of value) stringsOf(item, out, depth + 1);
    return;
  }
  if (typeof value === 'object' && value !== null) for (const item of Object.values(value)) stringsOf(item, out, depth + 1);
}

/** Secret-shaped strings found anywhere in `value` (checksums are the domain's to check), each once. */
export function secretsIn(value: unknown): string[] {
  const strings: string[] = [];
  stringsOf(value, strings);
  const found = new Set<string>();
  for (const text of strings) {
    if (!text.includes(SECRET_PREFIX)) continue;
    for (const match of text.matchAll(SECRET)) {
      found.add(match[0]);
      if (found.size >= MAX_SECRETS_PER_MESSAGE) return [...found];
    }
  }
  return [...found];
}

/**
 * A message a person posted or edited, with the secrets in it; undefined for anything the watch skips:
 * deletions and other housekeeping subtypes, bot messages, messages without a person behind them.
 */
export function parseWatchedMessage(event: unknown): WatchedMessage | undefined {
  const parsed = messageEvent.safeParse(event);
  if (!parsed.success) return undefined;
  const e = parsed.data;
  const edited = e.subtype === 'message_changed';
  if (e.subtype !== undefined && !edited && e.subtype !== 'file_share' && e.subtype !== 'thread_broadcast') return undefined;
  const body = edited ? e.message : e;
  if (body === undefined || body.user === undefined) return undefined;
  if (body.subtype === 'bot_message') return undefined;
  const secrets = secretsIn(edited ? e.message : e);
  return { channel: e.channel, ts: body.ts, userId: body.user, botId: body.bot_id, secrets };
}
