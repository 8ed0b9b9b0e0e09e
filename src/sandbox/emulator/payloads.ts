import type { EmulatorContext } from './context.js';
import { cloneJson, type JsonObject } from './json.js';
import { messageJson } from './methods/chat.js';
import type { StateValues } from './elements.js';
import type { EmulatedMessage, FunctionExecutedInput, FunctionExecution, SlackView } from './types.js';

/** Payload builders: field names and shapes from bolt-js's types and Slack's documented payloads. */

export function mintTrigger(ctx: EmulatorContext, userId: string): string {
  const id = ctx.ids.triggerId();
  ctx.store.triggers.set(id, { id, userId, mintedAt: ctx.clock.now(), used: false });
  return id;
}

/**
 * Where a user acts: the workspace (`useWorkspace`, else the emulator's own) and, after an OAuth install
 * by an Enterprise org, that org; `orgWide` for an org-wide install, whose payloads carry
 * `is_enterprise_install: true` and (interactions) `team: null`, as Slack documents.
 */
export function orgOf(ctx: EmulatorContext): { teamId: string; teamDomain: string; enterprise: JsonObject | null; orgWide: boolean } {
  const teamId = ctx.store.currentTeamId ?? ctx.config.teamId;
  const install = ctx.store.installation;
  return {
    teamId,
    teamDomain: ctx.store.workspaces.get(teamId)?.domain ?? ctx.config.teamDomain,
    enterprise: install?.enterpriseId == null ? null : { id: install.enterpriseId, name: install.enterpriseName ?? '' },
    orgWide: install?.isEnterpriseInstall ?? false,
  };
}

export function userRef(ctx: EmulatorContext, userId: string): JsonObject {
  const name = ctx.store.userName(userId);
  return { id: userId, username: name, name, team_id: orgOf(ctx).teamId };
}

function teamRef(ctx: EmulatorContext): JsonObject | null {
  const org = orgOf(ctx);
  if (org.orgWide) return null;
  return { id: org.teamId, domain: org.teamDomain, ...(org.enterprise === null ? {} : { enterprise_id: org.enterprise.id }) };
}

function channelName(ctx: EmulatorContext, channelId: string): string {
  const channel = ctx.store.channels.get(channelId);
  // Slack reports DMs as "directmessage" in slash command payloads.
  if (channel?.isIm === true) return 'directmessage';
  return channel?.name ?? channelId.toLowerCase();
}

/** Flat string fields, sent form-encoded over HTTP and as a JSON object over Socket Mode. */
export function slashCommandPayload(
  ctx: EmulatorContext,
  input: { userId: string; channelId: string; command: string; text: string },
  responseUrl: string,
  triggerId: string,
): Record<string, string> {
  const org = orgOf(ctx);
  const enterprise: Record<string, string> =
    org.enterprise === null ? {} : { enterprise_id: String(org.enterprise.id), enterprise_name: String(org.enterprise.name) };
  return {
    token: ctx.config.verificationToken,
    team_id: org.teamId,
    team_domain: org.teamDomain,
    ...enterprise,
    channel_id: input.channelId,
    channel_name: channelName(ctx, input.channelId),
    user_id: input.userId,
    user_name: ctx.store.userName(input.userId),
    command: input.command,
    text: input.text,
    api_app_id: ctx.config.appId,
    is_enterprise_install: String(org.orgWide),
    response_url: responseUrl,
    trigger_id: triggerId,
  };
}

function interactiveBase(ctx: EmulatorContext, type: string, userId: string): JsonObject {
  return {
    type,
    user: userRef(ctx, userId),
    api_app_id: ctx.config.appId,
    token: ctx.config.verificationToken,
    team: teamRef(ctx),
    enterprise: orgOf(ctx).enterprise,
    is_enterprise_install: orgOf(ctx).orgWide,
  };
}

export function viewJson(view: SlackView, values: StateValues): JsonObject {
  const json: JsonObject = { ...cloneJson(view) };
  json.state = { values: cloneJson(values) };
  return json;
}

export function messageBlockActionsPayload(
  ctx: EmulatorContext,
  input: { userId: string; message: EmulatedMessage; action: JsonObject; values: StateValues; responseUrl: string; triggerId: string },
): JsonObject {
  const { message } = input;
  const payload: JsonObject = {
    ...interactiveBase(ctx, 'block_actions', input.userId),
    container: {
      type: 'message',
      message_ts: message.ts,
      channel_id: message.channel,
      is_ephemeral: message.kind === 'ephemeral',
    },
    trigger_id: input.triggerId,
    channel: { id: message.channel, name: channelName(ctx, message.channel) },
    state: { values: input.values },
    response_url: input.responseUrl,
    actions: [input.action],
  };
  // Assumption (README, "Assumptions and deliberate deviations"): ephemeral containers carry no `message`, so the app must not need it.
  if (message.kind === 'channel') payload.message = messageJson(message, ctx);
  const execution = message.functionExecutionId === undefined ? undefined : ctx.store.functionExecutions.get(message.functionExecutionId);
  if (execution !== undefined) Object.assign(payload, functionInteractionFields(ctx, execution, input.userId));
  return payload;
}

export function viewBlockActionsPayload(
  ctx: EmulatorContext,
  input: { userId: string; view: SlackView; action: JsonObject; values: StateValues; triggerId: string },
): JsonObject {
  return {
    ...interactiveBase(ctx, 'block_actions', input.userId),
    container: { type: 'view', view_id: input.view.id },
    trigger_id: input.triggerId,
    view: viewJson(input.view, input.values),
    state: { values: input.values },
    actions: [input.action],
  };
}

export function viewSubmissionPayload(
  ctx: EmulatorContext,
  input: { userId: string; view: SlackView; values: StateValues; triggerId: string },
): JsonObject {
  return {
    ...interactiveBase(ctx, 'view_submission', input.userId),
    trigger_id: input.triggerId,
    view: viewJson(input.view, input.values),
    response_urls: [],
  };
}

export function viewClosedPayload(
  ctx: EmulatorContext,
  input: { userId: string; view: SlackView; values: StateValues; isCleared: boolean },
): JsonObject {
  const base = interactiveBase(ctx, 'view_closed', input.userId);
  return {
    ...base,
    user: { id: input.userId, name: ctx.store.userName(input.userId), team_id: orgOf(ctx).teamId },
    view: viewJson(input.view, input.values),
    is_cleared: input.isCleared,
  };
}

/** Events API envelope; the same object is the Socket Mode events_api payload. */
export function eventEnvelope(ctx: EmulatorContext, event: JsonObject): JsonObject {
  const nowSec = ctx.clock.now() / 1000;
  const org = orgOf(ctx);
  const enterpriseId = org.enterprise === null ? null : org.enterprise.id;
  return {
    token: ctx.config.verificationToken,
    team_id: org.teamId,
    ...(enterpriseId === null ? {} : { enterprise_id: enterpriseId }),
    context_team_id: org.teamId,
    context_enterprise_id: enterpriseId,
    api_app_id: ctx.config.appId,
    event: { event_ts: nowSec.toFixed(6), ...event },
    type: 'event_callback',
    event_id: ctx.ids.id('Ev'),
    event_time: Math.floor(nowSec),
    authorizations: [
      {
        enterprise_id: enterpriseId,
        team_id: org.orgWide ? null : org.teamId,
        user_id: ctx.config.botUserId,
        is_bot: true,
        is_enterprise_install: org.orgWide,
      },
    ],
    is_ext_shared_channel: false,
    event_context: ctx.ids.opaque(16),
  };
}

/**
 * What a click on a message a workflow step posted adds (block_actions payload reference, bolt-js
 * `BlockAction`): `function_data` (execution_id, function.callback_id, inputs), the step's
 * `bot_access_token`, and `interactivity` (interactor, interactivity_pointer).
 */
function functionInteractionFields(ctx: EmulatorContext, execution: FunctionExecution, userId: string): JsonObject {
  return {
    function_data: { execution_id: execution.id, function: { callback_id: execution.callbackId }, inputs: cloneJson(execution.inputs) },
    bot_access_token: execution.token,
    interactivity: { interactor: { id: userId, secret: ctx.ids.opaque(32) }, interactivity_pointer: ctx.ids.opaque(20) },
  };
}

/**
 * The `function_executed` event (docs.slack.dev/reference/events/function_executed): the step's
 * definition as `function`, its `inputs`, `function_execution_id`, `workflow_execution_id`, `event_ts`
 * (added by eventEnvelope) and the step's own `bot_access_token`.
 */
export function functionExecutedEvent(ctx: EmulatorContext, input: FunctionExecutedInput, execution: FunctionExecution): JsonObject {
  const nowSec = Math.floor(ctx.clock.now() / 1000);
  return {
    type: 'function_executed',
    function: {
      id: ctx.ids.id('Fn'),
      callback_id: input.callbackId,
      title: input.title ?? input.callbackId,
      description: input.description ?? '',
      type: 'app',
      input_parameters: cloneJson(input.inputParameters ?? []),
      output_parameters: cloneJson(input.outputParameters ?? []),
      app_id: ctx.config.appId,
      date_created: nowSec,
      date_updated: nowSec,
      date_deleted: 0,
    },
    inputs: cloneJson(input.inputs),
    function_execution_id: execution.id,
    workflow_execution_id: execution.workflowExecutionId,
    bot_access_token: execution.token,
  };
}
