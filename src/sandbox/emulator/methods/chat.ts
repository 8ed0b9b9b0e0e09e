import { fail, ok, type EmulatorContext, type MethodSpec } from '../context.js';
import { cloneJson, nonEmptyString, type JsonObject } from '../json.js';
import type { EmulatedMessage } from '../types.js';
import { messageContent } from './message-content.js';

const POST_MAX_TEXT = 40_000;
const UPDATE_MAX_TEXT = 4_000;

/** A stored message as Slack returns it in API responses and interaction payloads. */
export function messageJson(m: EmulatedMessage, ctx: EmulatorContext): JsonObject {
  // A person's own message carries no bot_id or app_id, as in Slack.
  const byPerson = m.source === 'user_message';
  const json: JsonObject = {
    type: 'message',
    user: m.user,
    ...(byPerson ? {} : { bot_id: ctx.config.botId, app_id: ctx.config.appId }),
    text: m.text,
    ts: m.ts,
    team: ctx.config.teamId,
    blocks: cloneJson(m.blocks),
  };
  if (m.threadTs !== undefined) json.thread_ts = m.threadTs;
  if (m.attachments !== undefined) json.attachments = cloneJson(m.attachments);
  if (m.metadata !== undefined) json.metadata = cloneJson(m.metadata);
  if (m.files.length > 0) json.files = m.files.map((id) => ({ id }));
  const lastEdit = m.revisions.at(-1);
  if (lastEdit !== undefined) json.edited = { user: m.user, ts: ctx.ids.actionTs() };
  return json;
}

const postMessage: MethodSpec = {
  token: 'bot',
  handle(args, ctx) {
    const channelArg = nonEmptyString(args.channel);
    const channel = channelArg === undefined ? undefined : ctx.store.resolveChannel(channelArg);
    if (channel === undefined) return fail('channel_not_found');
    if (!channel.botIsMember) return fail('not_in_channel');
    const result = messageContent(args, POST_MAX_TEXT, ctx.ids);
    if (!result.ok) return result.response;
    const message = ctx.store.addMessage({
      kind: 'channel',
      channel: channel.id,
      text: result.content.text,
      blocks: result.content.blocks,
      attachments: result.content.attachments,
      threadTs: nonEmptyString(args.thread_ts),
      metadata: args.metadata,
      source: 'chat.postMessage',
      functionExecutionId: ctx.callerExecutionId,
    });
    return ok({ channel: channel.id, ts: message.ts, message: messageJson(message, ctx) });
  },
};

const postEphemeral: MethodSpec = {
  token: 'bot',
  handle(args, ctx) {
    const channelArg = nonEmptyString(args.channel);
    const channel = channelArg === undefined ? undefined : ctx.store.resolveChannel(channelArg);
    if (channel === undefined) return fail('channel_not_found');
    const userId = nonEmptyString(args.user);
    if (userId === undefined || !ctx.store.users.has(userId)) return fail('user_not_found');
    if (!channel.botIsMember) return fail('not_in_channel');
    if (!ctx.store.isMember(channel, userId)) return fail('user_not_in_channel');
    const result = messageContent(args, POST_MAX_TEXT, ctx.ids);
    if (!result.ok) return result.response;
    const message = ctx.store.addMessage({
      kind: 'ephemeral',
      channel: channel.id,
      recipient: userId,
      text: result.content.text,
      blocks: result.content.blocks,
      attachments: result.content.attachments,
      threadTs: nonEmptyString(args.thread_ts),
      source: 'chat.postEphemeral',
    });
    return ok({ message_ts: message.ts });
  },
};

function liveChannelMessage(args: JsonObject, ctx: EmulatorContext): EmulatedMessage | JsonObject {
  const channelArg = nonEmptyString(args.channel);
  const channel = channelArg === undefined ? undefined : ctx.store.resolveChannel(channelArg);
  if (channel === undefined) return fail('channel_not_found');
  const ts = nonEmptyString(args.ts);
  // Ephemeral messages cannot be edited through chat.* (Slack documents this): Slack does not find them.
  const message = ts === undefined ? undefined : ctx.store.findMessage({ kind: 'channel', channel: channel.id, ts });
  return message ?? fail('message_not_found');
}

function isMessage(value: EmulatedMessage | JsonObject): value is EmulatedMessage {
  return 'revisions' in value;
}

const update: MethodSpec = {
  token: 'bot',
  handle(args, ctx) {
    const found = liveChannelMessage(args, ctx);
    if (!isMessage(found)) return found;
    const result = messageContent(args, UPDATE_MAX_TEXT, ctx.ids);
    if (!result.ok) return result.response;
    // Documented: omitting `blocks` keeps the previous blocks; an empty array removes them.
    const blocks = result.content.blocksGiven ? result.content.blocks : found.blocks;
    ctx.store.reviseMessage(found, { text: result.content.text, blocks }, 'chat.update', ctx.clock.now());
    if (result.content.attachments !== undefined) found.attachments = result.content.attachments;
    return ok({ channel: found.channel, ts: found.ts, text: found.text, message: messageJson(found, ctx) });
  },
};

const remove: MethodSpec = {
  token: 'bot',
  handle(args, ctx) {
    const found = liveChannelMessage(args, ctx);
    if (!isMessage(found)) return found;
    found.deleted = true;
    return ok({ channel: found.channel, ts: found.ts });
  },
};

/** chat.getPermalink: Slack's documented archive link for a message the bot can see. */
const getPermalink: MethodSpec = {
  token: 'bot',
  handle(args, ctx) {
    const found = liveChannelMessage({ channel: args.channel, ts: args.message_ts }, ctx);
    if (!isMessage(found)) return found;
    return ok({
      channel: found.channel,
      permalink: `https://${ctx.config.teamDomain}.slack.com/archives/${found.channel}/p${found.ts.replace('.', '')}`,
    });
  },
};

export const chatMethods: Record<string, MethodSpec> = {
  'chat.getPermalink': getPermalink,
  'chat.postMessage': postMessage,
  'chat.postEphemeral': postEphemeral,
  'chat.update': update,
  'chat.delete': remove,
};
