import { fail, ok, type MethodSpec } from '../context.js';
import { nonEmptyString } from '../json.js';
import { messageJson } from './chat.js';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 999;

/** Cursors are opaque to callers; here they carry the offset into the newest-first list. */
const encodeCursor = (offset: number): string => Buffer.from(`offset:${offset}`).toString('base64');
function decodeCursor(cursor: string): number | undefined {
  const match = /^offset:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/**
 * `conversations.history`: a channel's top-level messages, newest first, paged by cursor
 * (`has_more` + `response_metadata.next_cursor`). `oldest` / `latest` bound the ts range (exclusive,
 * as Slack's default `inclusive=false`). The bot must be in the channel (`not_in_channel`); scopes
 * (`channels:history`, `groups:history`) are not emulated.
 */
const conversationsHistory: MethodSpec = {
  token: 'bot',
  handle(args, ctx) {
    const channelId = nonEmptyString(args.channel);
    if (channelId === undefined) return fail('channel_not_found');
    const channel = ctx.store.channels.get(channelId);
    if (channel === undefined) return fail('channel_not_found');
    if (!channel.botIsMember && !channel.isIm) return fail('not_in_channel');
    const rawLimit = Number(args.limit ?? DEFAULT_LIMIT);
    const limit = Number.isInteger(rawLimit) && rawLimit > 0 ? Math.min(rawLimit, MAX_LIMIT) : DEFAULT_LIMIT;
    const cursor = nonEmptyString(args.cursor);
    const offset = cursor === undefined ? 0 : decodeCursor(cursor);
    if (offset === undefined) return fail('invalid_cursor');
    const oldest = nonEmptyString(args.oldest);
    const latest = nonEmptyString(args.latest);
    const all = ctx.store.messages
      .filter((m) => m.kind === 'channel' && m.channel === channelId && !m.deleted && (m.threadTs === undefined || m.threadTs === m.ts))
      .filter((m) => (oldest === undefined || Number(m.ts) > Number(oldest)) && (latest === undefined || Number(m.ts) < Number(latest)))
      .sort((a, b) => Number(b.ts) - Number(a.ts));
    const page = all.slice(offset, offset + limit);
    const hasMore = offset + limit < all.length;
    return ok({
      messages: page.map((m) => messageJson(m, ctx)),
      has_more: hasMore,
      pin_count: 0,
      response_metadata: { next_cursor: hasMore ? encodeCursor(offset + limit) : '' },
    });
  },
};

export const conversationMethods: Record<string, MethodSpec> = {
  'conversations.history': conversationsHistory,
};
