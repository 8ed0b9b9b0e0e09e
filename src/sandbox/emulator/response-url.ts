import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorContext } from './context.js';
import type { CallInterceptor } from './interceptor.js';
import { readRawBody, sendText } from './http-body.js';
import { isObject, tryParseJson, type JsonObject } from './json.js';
import { messageContent } from './methods/message-content.js';
import type { MessageOrigin, ResponseUrlRecord } from './store.js';

/**
 * response_url: http://127.0.0.1:<port>/response/<id>. A command's URL "follows" its replies, so
 * replace_original/delete_original act on the latest reply; an interaction's URL is tied to the
 * message the user clicked in.
 */
export function mintResponseUrl(
  ctx: EmulatorContext,
  channelId: string,
  userId: string,
  origin: MessageOrigin | undefined,
): ResponseUrlRecord {
  const id = ctx.ids.opaque(10);
  const record: ResponseUrlRecord = {
    id,
    url: `${ctx.baseUrl()}/response/${id}`,
    channelId,
    userId,
    createdAt: ctx.clock.now(),
    uses: 0,
    origin,
  };
  ctx.store.responseUrls.set(id, record);
  return record;
}

interface Answer {
  status: number;
  text: string;
}

/** Applies a message body (from respond() or a command ack) the way Slack would. */
export function applyResponseMessage(
  ctx: EmulatorContext,
  record: ResponseUrlRecord,
  body: JsonObject,
  via: 'response_url' | 'command_ack',
): Answer {
  const store = ctx.store;
  const original = record.origin === undefined ? undefined : store.findMessage(record.origin);
  if (body.delete_original === true || body.delete_original === 'true') {
    if (original === undefined) {
      store.problem(`${via} ${record.id}: delete_original but there is no message to delete`);
      return { status: 404, text: 'message_not_found' };
    }
    original.deleted = true;
    return { status: 200, text: 'ok' };
  }
  const checked = messageContent(body, 40_000, ctx.ids);
  if (!checked.ok) {
    const error = String(checked.response.error);
    store.problem(
      `${via} ${record.id}: Slack would reject this message (${error}) ${JSON.stringify(checked.response.response_metadata ?? '')}`,
    );
    return { status: 400, text: error };
  }
  const replace = body.replace_original === true || body.replace_original === 'true';
  if (replace && original !== undefined) {
    store.reviseMessage(original, { text: checked.content.text, blocks: checked.content.blocks }, via, ctx.clock.now());
    return { status: 200, text: 'ok' };
  }
  const inChannel = body.response_type === 'in_channel';
  const message = store.addMessage({
    kind: inChannel ? 'channel' : 'ephemeral',
    channel: record.channelId,
    recipient: inChannel ? undefined : record.userId,
    text: checked.content.text,
    blocks: checked.content.blocks,
    attachments: checked.content.attachments,
    threadTs: typeof body.thread_ts === 'string' ? body.thread_ts : undefined,
    source: via,
  });
  // Without an original (slash commands), later replace/delete act on the latest reply.
  if (record.origin === undefined || original === undefined) {
    record.origin = { kind: message.kind, channel: message.channel, ts: message.ts };
  }
  return { status: 200, text: 'ok' };
}

export async function handleResponseUrl(
  req: IncomingMessage,
  res: ServerResponse,
  id: string,
  ctx: EmulatorContext,
  interceptor: CallInterceptor,
): Promise<void> {
  const raw = (await readRawBody(req)).toString('utf8');
  const parsed = tryParseJson(raw);
  const body: unknown = parsed.ok ? parsed.value : raw;
  const record = ctx.store.responseUrls.get(id);
  const answer = await answerFor(ctx, interceptor, record, body);
  ctx.store.record(ctx.store.responseUrlPosts, {
    id,
    url: record?.url ?? `${ctx.baseUrl()}/response/${id}`,
    body,
    status: answer.status,
    at: ctx.clock.now(),
  });
  sendText(res, answer.status, answer.text, answer.headers);
}

async function answerFor(
  ctx: EmulatorContext,
  interceptor: CallInterceptor,
  record: ResponseUrlRecord | undefined,
  body: unknown,
): Promise<Answer & { headers: Record<string, string> }> {
  const fault = await interceptor.before('response_url');
  if (fault?.kind === 'ratelimited') return { status: 429, text: 'ratelimited', headers: { 'retry-after': String(fault.retryAfterSec) } };
  if (fault?.kind === 'http500') return { status: 500, text: 'Internal Server Error', headers: {} };
  if (fault?.kind === 'error') return { status: 400, text: fault.error, headers: {} };
  if (record === undefined) return { status: 404, text: 'invalid_url', headers: {} };
  // Assumed answers (README, "Assumptions and deliberate deviations"): Slack's exact wording for an exhausted or old response_url is unconfirmed.
  if (ctx.clock.now() - record.createdAt > ctx.config.responseUrlTtlMs) return { status: 404, text: 'expired_url', headers: {} };
  if (record.uses >= ctx.config.responseUrlMaxUses) return { status: 404, text: 'used_url', headers: {} };
  if (!isObject(body)) return { status: 400, text: 'invalid_payload', headers: {} };
  record.uses += 1;
  return { ...applyResponseMessage(ctx, record, body, 'response_url'), headers: {} };
}
