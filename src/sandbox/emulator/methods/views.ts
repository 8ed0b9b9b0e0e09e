import { checkView, problemMessages, VIEW_MAX_BYTES } from '../block-kit.js';
import { fail, missingField, ok, type EmulatorContext, type MethodSpec } from '../context.js';
import { withGeneratedIds } from '../elements.js';
import { cloneJson, isObject, nonEmptyString, type JsonObject } from '../json.js';
import type { ViewRecord } from '../store.js';
import type { SlackView, TextObject } from '../types.js';

function textOrNull(value: unknown): TextObject | null {
  if (!isObject(value) || typeof value.text !== 'string') return null;
  return { ...value, type: String(value.type ?? 'plain_text'), text: value.text };
}

/** Turns what the app sent into the view object Slack stores and returns. */
export function materializeView(
  input: JsonObject,
  ctx: EmulatorContext,
  placement: { id: string; rootViewId: string | null; previousViewId: string | null },
): SlackView {
  return {
    id: placement.id,
    team_id: ctx.config.teamId,
    type: input.type === 'home' ? 'home' : 'modal',
    title: textOrNull(input.title),
    submit: textOrNull(input.submit),
    close: textOrNull(input.close),
    blocks: withGeneratedIds(input.blocks, () => ctx.ids.opaque(3)),
    private_metadata: typeof input.private_metadata === 'string' ? input.private_metadata : '',
    callback_id: typeof input.callback_id === 'string' ? input.callback_id : '',
    external_id: typeof input.external_id === 'string' ? input.external_id : '',
    state: { values: {} },
    hash: ctx.ids.viewHash(),
    clear_on_close: input.clear_on_close === true,
    notify_on_close: input.notify_on_close === true,
    root_view_id: placement.rootViewId,
    previous_view_id: placement.previousViewId,
    app_id: ctx.config.appId,
    bot_id: ctx.config.botId,
    app_installed_team_id: ctx.config.teamId,
  };
}

export type ViewCheck = { ok: true; view: JsonObject } | { ok: false; response: JsonObject };

/** Validation shared by views.* and response_action update/push acks. */
export function checkViewArg(raw: unknown, expectedType: 'modal' | 'home'): ViewCheck {
  if (raw === undefined || raw === null || raw === '') return { ok: false, response: missingField('view') };
  if (!isObject(raw)) return { ok: false, response: fail('invalid_arguments', ['[ERROR] failed to parse view']) };
  if (JSON.stringify(raw).length > VIEW_MAX_BYTES) return { ok: false, response: fail('view_too_large') };
  if (raw.type !== expectedType) {
    return { ok: false, response: fail('invalid_arguments', [`[ERROR] must be ${expectedType} [json-pointer:/view/type]`]) };
  }
  const problems = checkView(raw);
  if (problems.length > 0) return { ok: false, response: fail('invalid_arguments', problemMessages(problems)) };
  return { ok: true, view: raw };
}

type TriggerCheck = { ok: true; userId: string } | { ok: false; response: JsonObject };

/** trigger_ids are single use and live 3 s, as Slack documents. */
function checkTrigger(args: JsonObject, ctx: EmulatorContext): TriggerCheck {
  const triggerId = nonEmptyString(args.trigger_id) ?? nonEmptyString(args.interactivity_pointer);
  if (triggerId === undefined) return { ok: false, response: missingField('trigger_id') };
  const trigger = ctx.store.triggers.get(triggerId);
  if (trigger === undefined) return { ok: false, response: fail('invalid_trigger_id') };
  if (trigger.used) return { ok: false, response: fail('exchanged_trigger_id') };
  if (ctx.clock.now() - trigger.mintedAt > ctx.config.triggerTtlMs) return { ok: false, response: fail('expired_trigger_id') };
  return { ok: true, userId: trigger.userId };
}

function consumeTrigger(args: JsonObject, ctx: EmulatorContext): void {
  const triggerId = nonEmptyString(args.trigger_id) ?? nonEmptyString(args.interactivity_pointer) ?? '';
  const trigger = ctx.store.triggers.get(triggerId);
  if (trigger !== undefined) trigger.used = true;
}

function duplicateExternalId(view: JsonObject, ctx: EmulatorContext, exceptViewId?: string): boolean {
  const externalId = view.external_id;
  if (typeof externalId !== 'string' || externalId === '') return false;
  for (const record of ctx.store.views.values()) {
    if (record.open && record.view.id !== exceptViewId && record.view.external_id === externalId) return true;
  }
  return false;
}

/** Opens a modal on top of the user's stack (or as a new stack); shared with response_action push. */
export function pushModal(userId: string, input: JsonObject, ctx: EmulatorContext, asNewStack: boolean): SlackView {
  const stack = asNewStack ? [] : ctx.store.openStack(userId);
  if (asNewStack) ctx.store.clearStack(userId);
  const id = ctx.ids.id('V');
  const root = stack[0] ?? id;
  const view = materializeView(input, ctx, { id, rootViewId: root, previousViewId: stack.at(-1) ?? null });
  ctx.store.views.set(id, { view, userId, open: true, errors: undefined });
  ctx.store.stacks.set(userId, [...stack, id]);
  return view;
}

/** Replaces a view's content in place: same id and position, new hash. */
export function replaceView(record: ViewRecord, input: JsonObject, ctx: EmulatorContext): SlackView {
  const view = materializeView(input, ctx, {
    id: record.view.id,
    rootViewId: record.view.root_view_id,
    previousViewId: record.view.previous_view_id,
  });
  record.view = view;
  record.errors = undefined;
  return view;
}

const MAX_STACK = 3;

/** views.open starts a new stack; views.push adds to the open one (at most 3 views deep). */
function openModal(push: boolean): MethodSpec {
  return {
    token: 'bot',
    handle(args, ctx) {
      const trigger = checkTrigger(args, ctx);
      if (!trigger.ok) return trigger.response;
      const checked = checkViewArg(args.view, 'modal');
      if (!checked.ok) return checked.response;
      if (push && ctx.store.openStack(trigger.userId).length >= MAX_STACK) return fail('push_limit_reached');
      if (duplicateExternalId(checked.view, ctx)) return fail('duplicate_external_id');
      consumeTrigger(args, ctx);
      return ok({ view: cloneJson(pushModal(trigger.userId, checked.view, ctx, !push)) });
    },
  };
}

const viewsOpen = openModal(false);
const viewsPush = openModal(true);

const viewsUpdate: MethodSpec = {
  token: 'bot',
  handle(args, ctx) {
    const viewId = nonEmptyString(args.view_id);
    const externalId = nonEmptyString(args.external_id);
    if (viewId === undefined && externalId === undefined) return missingField('view_id');
    const record = [...ctx.store.views.values()].find((r) =>
      viewId !== undefined ? r.view.id === viewId : r.view.external_id === externalId && r.open,
    );
    // A modal the user already closed cannot be updated any more.
    if (record === undefined || (record.view.type === 'modal' && !record.open)) return fail('not_found');
    const hash = nonEmptyString(args.hash);
    if (hash !== undefined && hash !== record.view.hash) return fail('hash_conflict');
    const checked = checkViewArg(args.view, record.view.type);
    if (!checked.ok) return checked.response;
    if (duplicateExternalId(checked.view, ctx, record.view.id)) return fail('duplicate_external_id');
    return ok({ view: cloneJson(replaceView(record, checked.view, ctx)) });
  },
};

const viewsPublish: MethodSpec = {
  token: 'bot',
  handle(args, ctx) {
    const userId = nonEmptyString(args.user_id);
    if (userId === undefined) return missingField('user_id');
    if (!ctx.store.users.has(userId)) return fail('invalid_arguments', ['[ERROR] invalid `user_id`']);
    const checked = checkViewArg(args.view, 'home');
    if (!checked.ok) return checked.response;
    const existingId = ctx.store.homeViews.get(userId);
    const existing = existingId === undefined ? undefined : ctx.store.views.get(existingId);
    const hash = nonEmptyString(args.hash);
    if (hash !== undefined && existing !== undefined && hash !== existing.view.hash) return fail('hash_conflict');
    if (existing !== undefined) return ok({ view: cloneJson(replaceView(existing, checked.view, ctx)) });
    const id = ctx.ids.id('V');
    const view = materializeView(checked.view, ctx, { id, rootViewId: null, previousViewId: null });
    ctx.store.views.set(id, { view, userId, open: true, errors: undefined });
    ctx.store.homeViews.set(userId, id);
    return ok({ view: cloneJson(view) });
  },
};

export const viewMethods: Record<string, MethodSpec> = {
  'views.open': viewsOpen,
  'views.push': viewsPush,
  'views.update': viewsUpdate,
  'views.publish': viewsPublish,
};
