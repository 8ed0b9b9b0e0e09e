import type { EmulatorContext } from './context.js';
import { interactiveElements } from './elements.js';
import { isObject, tryParseJson } from './json.js';
import { checkViewArg, pushModal, replaceView } from './methods/views.js';
import { applyResponseMessage } from './response-url.js';
import type { ResponseUrlRecord, ViewRecord } from './store.js';

/**
 * What Slack does with an app's acknowledgement body. Anything Slack would refuse is recorded in
 * `problems` (the user would see an error), because it never reaches the app as an API error.
 */

/** A slash command ack with a message body is shown like a response_url reply (Slack: responding to slash commands). */
export function applyCommandAck(ctx: EmulatorContext, body: unknown, responseUrl: ResponseUrlRecord): void {
  if (body === undefined || body === '') return;
  const message = typeof body === 'string' ? { text: body } : body;
  if (!isObject(message)) {
    ctx.store.problem(`slash command ack is neither text nor a JSON object: ${JSON.stringify(body)}`);
    return;
  }
  const hasContent = message.text !== undefined || message.blocks !== undefined || message.attachments !== undefined;
  if (!hasContent) return;
  applyResponseMessage(ctx, responseUrl, message, 'command_ack');
}

const MAX_STACK = 3;

/** Ack semantics for view_submission (Slack: modal submissions, response_action): close, errors, update, push, clear. */
export function applyViewSubmissionAck(ctx: EmulatorContext, record: ViewRecord, rawBody: unknown): void {
  const store = ctx.store;
  let body = rawBody;
  if (typeof body === 'string' && body !== '') {
    const parsed = tryParseJson(body);
    if (!parsed.ok) {
      store.problem(`view_submission ack for ${record.view.id} is text, not JSON: ${body.slice(0, 200)}`);
      return;
    }
    body = parsed.value;
  }
  if (body === undefined || body === '' || (isObject(body) && body.response_action === undefined)) {
    record.errors = undefined;
    store.closeView(record.view.id);
    return;
  }
  if (!isObject(body)) {
    store.problem(`view_submission ack for ${record.view.id} is not an object: ${JSON.stringify(body)}`);
    return;
  }
  switch (body.response_action) {
    case 'errors': {
      const errors = body.errors;
      if (!isObject(errors) || Object.keys(errors).length === 0) {
        store.problem(`response_action errors without an errors object for ${record.view.id}`);
        return;
      }
      const inputBlockIds = new Set(record.view.blocks.filter((b) => b.type === 'input').map((b) => String(b.block_id)));
      const unknown = Object.keys(errors).filter((blockId) => !inputBlockIds.has(blockId));
      if (unknown.length > 0) {
        // Slack rejects errors that do not name input blocks of the view.
        store.problem(`response_action errors name non-input block_ids ${unknown.join(', ')} in ${record.view.id}`);
      }
      record.errors = Object.fromEntries(Object.entries(errors).map(([k, v]) => [k, String(v)]));
      return;
    }
    case 'update': {
      const checked = checkViewArg(body.view, 'modal');
      if (!checked.ok) {
        store.problem(`response_action update with an invalid view: ${JSON.stringify(checked.response)}`);
        return;
      }
      replaceView(record, checked.view, ctx);
      return;
    }
    case 'push': {
      const checked = checkViewArg(body.view, 'modal');
      if (!checked.ok) {
        store.problem(`response_action push with an invalid view: ${JSON.stringify(checked.response)}`);
        return;
      }
      if (store.openStack(record.userId).length >= MAX_STACK) {
        store.problem(`response_action push beyond the stack limit of ${MAX_STACK} (push_limit_reached)`);
        return;
      }
      record.errors = undefined;
      pushModal(record.userId, checked.view, ctx, false);
      return;
    }
    case 'clear':
      store.clearStack(record.userId);
      return;
    default:
      store.problem(`unknown response_action ${JSON.stringify(body.response_action)} for ${record.view.id}`);
  }
}

/** Input block ids of a view, for error messages in tests. */
export function inputActionIds(record: ViewRecord): string[] {
  return [...interactiveElements(record.view.blocks)].map((e) => `${e.blockId}/${e.actionId}`);
}
