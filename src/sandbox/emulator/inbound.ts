import { applyCommandAck, applyViewSubmissionAck, inputActionIds } from './ack-effects.js';
import type { EmulatorContext } from './context.js';
import { buildAction, buildStateValues, elementOffers, interactiveElements, type LocatedElement, type StateValues } from './elements.js';
import { FORM_CONTENT_TYPE, JSON_CONTENT_TYPE, postToApp, rawHeaders, signedAppHeaders } from './http-target.js';
import type { JsonObject } from './json.js';
import {
  eventEnvelope,
  functionExecutedEvent,
  messageBlockActionsPayload,
  mintTrigger,
  slashCommandPayload,
  viewBlockActionsPayload,
  viewClosedPayload,
  viewSubmissionPayload,
} from './payloads.js';
import { mintResponseUrl } from './response-url.js';
import type { SocketModeServer, EnvelopeType, DeliveryResult } from './socket-mode.js';
import type { ViewRecord } from './store.js';
import type {
  AckResult,
  BlockActionInput,
  ClickInput,
  CommandAck,
  EmulatedMessage,
  FunctionExecutedInput,
  FunctionExecution,
  InteractionAck,
  RawRequest,
  RawResponse,
  SlashCommandInput,
  ViewClickInput,
  ViewSubmissionInput,
} from './types.js';

export interface Delivery {
  kind: EnvelopeType;
  payload: JsonObject;
  status: number;
  body: unknown;
  ackMs: number;
  at: number;
}

type Target = { mode: 'http'; url: string } | { mode: 'socket' } | { mode: 'none' };

/** Sends what Slack sends (commands, interactions, events) over HTTP or Socket Mode and applies the acks. */
export class InboundSender {
  private target: Target = { mode: 'none' };
  readonly deliveries: Delivery[] = [];

  constructor(
    private readonly ctx: EmulatorContext,
    private readonly socket: SocketModeServer,
  ) {}

  useHttpTarget(url: string): void {
    this.target = { mode: 'http', url };
  }

  useSocketMode(): void {
    this.target = { mode: 'socket' };
  }

  private async transmit(kind: EnvelopeType, payload: JsonObject): Promise<DeliveryResult> {
    const timeoutMs = this.ctx.config.ackTimeoutMs;
    if (this.target.mode === 'socket') return this.socket.deliver(kind, payload, timeoutMs);
    if (this.target.mode === 'http') {
      const nowSec = Math.floor(Date.now() / 1000);
      let body: string;
      let contentType: string;
      if (kind === 'slash_commands') {
        body = new URLSearchParams(Object.entries(payload).map(([k, v]): [string, string] => [k, String(v)])).toString();
        contentType = FORM_CONTENT_TYPE;
      } else if (kind === 'interactive') {
        body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
        contentType = FORM_CONTENT_TYPE;
      } else {
        body = JSON.stringify(payload);
        contentType = JSON_CONTENT_TYPE;
      }
      // Signed with the real clock: the app checks the timestamp against its own Date.now().
      const headers = signedAppHeaders(this.ctx.config.signingSecret, nowSec, body, contentType);
      return postToApp(this.target.url, body, headers, timeoutMs);
    }
    throw new Error('slack emulator: call useHttpTarget(url) or useSocketMode() before sending to the app');
  }

  private async deliver(kind: EnvelopeType, payload: JsonObject): Promise<AckResult> {
    const result = await this.transmit(kind, payload);
    const at = this.ctx.clock.now();
    const label = kind === 'interactive' ? String(payload.type) : kind;
    if (result.ackMs > this.ctx.config.ackDeadlineMs || result.status === 0) {
      this.ctx.store.record(this.ctx.store.lateAcks, { kind: label, ackMs: result.ackMs, at });
    }
    if (result.body !== undefined) this.ctx.store.record(this.ctx.store.ackBodies, result.body);
    this.ctx.store.record(this.deliveries, { kind, payload, status: result.status, body: result.body, ackMs: result.ackMs, at });
    return { ...result, transport: this.target.mode === 'socket' ? 'socket' : 'http', payload };
  }

  async sendRaw(raw: RawRequest): Promise<RawResponse> {
    if (this.target.mode !== 'http') throw new Error('slack emulator: sendRaw needs useHttpTarget(url)');
    const headers = rawHeaders(raw, this.ctx.config.signingSecret, Math.floor(Date.now() / 1000));
    return postToApp(this.target.url, raw.body, headers, this.ctx.config.ackTimeoutMs);
  }

  async sendSlashCommand(input: SlashCommandInput): Promise<CommandAck> {
    const channelId = input.channelId ?? this.ctx.config.defaultChannel.id;
    const responseUrl = mintResponseUrl(this.ctx, channelId, input.userId, undefined);
    const triggerId = mintTrigger(this.ctx, input.userId);
    const payload = slashCommandPayload(
      this.ctx,
      { userId: input.userId, channelId, command: input.command ?? this.ctx.config.command, text: input.text ?? '' },
      responseUrl.url,
      triggerId,
    );
    const ack = await this.deliver('slash_commands', payload);
    if (ack.status === 200) applyCommandAck(this.ctx, ack.body, responseUrl);
    return { ...ack, responseUrl: responseUrl.url, triggerId };
  }

  private liveMessage(message: EmulatedMessage): EmulatedMessage {
    const live = this.ctx.store.findMessage({ kind: message.kind, channel: message.channel, ts: message.ts });
    if (live === undefined) throw new Error(`message ${message.channel}/${message.ts} no longer exists (deleted?)`);
    return live;
  }

  private visibleTo(userId: string, message: EmulatedMessage): boolean {
    if (message.deleted) return false;
    if (message.kind === 'ephemeral') return message.recipient === userId;
    const channel = this.ctx.store.channels.get(message.channel);
    return channel !== undefined && this.ctx.store.isMember(channel, userId);
  }

  private matches(located: LocatedElement, filter: { actionId: string; blockId?: string; value?: string }): boolean {
    if (located.actionId !== filter.actionId) return false;
    if (filter.blockId !== undefined && located.blockId !== filter.blockId) return false;
    return filter.value === undefined || elementOffers(located.element, filter.value);
  }

  private locate(blocks: unknown, filter: { actionId: string; blockId?: string; value?: string }, where: string): LocatedElement {
    const all = [...interactiveElements(blocks)];
    const found = all.filter((e) => this.matches(e, filter));
    if (found.length === 1 && found[0] !== undefined) return found[0];
    const available = all.map((e) => `${e.blockId}/${e.actionId}${typeof e.element.value === 'string' ? `=${e.element.value}` : ''}`);
    const wanted = JSON.stringify(filter);
    if (found.length === 0) throw new Error(`no element matching ${wanted} in ${where}; available: ${available.join(', ') || '(none)'}`);
    throw new Error(`${found.length} elements match ${wanted} in ${where}; pass value or blockId to pick one`);
  }

  /** The newest live message the user can see that has a matching element. */
  findMessageWithAction(userId: string, filter: { actionId: string; blockId?: string; value?: string }): EmulatedMessage | undefined {
    const messages = [...this.ctx.store.messages].reverse();
    return messages.find((m) => this.visibleTo(userId, m) && [...interactiveElements(m.blocks)].some((e) => this.matches(e, filter)));
  }

  /** Clicks (or selects in) an element of a message the app posted, like the user would. */
  async clickButton(input: ClickInput): Promise<InteractionAck> {
    const filter = { actionId: input.actionId, blockId: input.blockId, value: input.value };
    let message: EmulatedMessage | undefined;
    if (input.message !== undefined) message = this.liveMessage(input.message);
    else if (input.channelId !== undefined && input.messageTs !== undefined)
      message = this.ctx.store.findByTs(input.channelId, input.messageTs);
    else message = this.findMessageWithAction(input.userId, filter);
    if (message === undefined) {
      throw new Error(`no live message visible to ${input.userId} with an element matching ${JSON.stringify(filter)}`);
    }
    if (!this.visibleTo(input.userId, message)) throw new Error(`user ${input.userId} cannot see message ${message.channel}/${message.ts}`);
    const located = this.locate(message.blocks, filter, `message ${message.channel}/${message.ts}`);
    const choice = input.input ?? (located.element.type === 'button' ? undefined : input.value);
    return this.sendMessageAction(input.userId, message, buildAction(located, choice, this.ctx.ids.actionTs()), input.responseUrl);
  }

  private async sendMessageAction(
    userId: string,
    message: EmulatedMessage,
    action: JsonObject,
    responseUrlOverride?: string,
  ): Promise<InteractionAck> {
    const origin = { kind: message.kind, channel: message.channel, ts: message.ts };
    const responseUrl = responseUrlOverride ?? mintResponseUrl(this.ctx, message.channel, userId, origin).url;
    const triggerId = mintTrigger(this.ctx, userId);
    const payload = messageBlockActionsPayload(this.ctx, {
      userId,
      message,
      action,
      values: buildStateValues(message.blocks),
      responseUrl,
      triggerId,
    });
    const ack = await this.deliver('interactive', payload);
    return { ...ack, responseUrl, triggerId };
  }

  private openRecord(userId: string, viewId: string | undefined): ViewRecord {
    const id = viewId ?? this.ctx.store.openStack(userId).at(-1);
    const record = id === undefined ? undefined : this.ctx.store.views.get(id);
    if (record === undefined) throw new Error(`no ${viewId === undefined ? 'open modal' : `view ${viewId}`} for user ${userId}`);
    if (!record.open) throw new Error(`view ${record.view.id} is closed; the user cannot interact with it`);
    if (record.userId !== userId) throw new Error(`view ${record.view.id} belongs to ${record.userId}, not ${userId}`);
    return record;
  }

  /** Operates an element inside a modal or Home tab (block_actions with a view container). */
  async clickInView(input: ViewClickInput): Promise<InteractionAck> {
    const record = input.viewId === undefined ? this.openRecord(input.userId, undefined) : this.openRecord(input.userId, input.viewId);
    const located = this.locate(
      record.view.blocks,
      { actionId: input.actionId, blockId: input.blockId, value: input.value },
      `view ${record.view.id}`,
    );
    const choice = input.input ?? (located.element.type === 'button' ? undefined : input.value);
    const values = buildStateValues(record.view.blocks, input.inputs ?? {}, input.values ?? {});
    const triggerId = mintTrigger(this.ctx, input.userId);
    const action = buildAction(located, choice, this.ctx.ids.actionTs());
    const payload = viewBlockActionsPayload(this.ctx, { userId: input.userId, view: record.view, action, values, triggerId });
    const ack = await this.deliver('interactive', payload);
    return { ...ack, responseUrl: undefined, triggerId };
  }

  /** Low-level block_actions sender; prefers the stored message/view so the action matches what was rendered. */
  async sendBlockAction(input: BlockActionInput): Promise<InteractionAck> {
    const value = input.selectedOption?.value ?? input.value;
    if (input.container.type === 'view') {
      return this.clickInView({
        userId: input.userId,
        viewId: input.container.viewId,
        actionId: input.actionId,
        blockId: input.blockId,
        value,
      });
    }
    const { channelId, messageTs } = input.container;
    const message = this.ctx.store.findByTs(channelId, messageTs);
    if (message !== undefined && [...interactiveElements(message.blocks)].some((e) => e.actionId === input.actionId)) {
      return this.clickButton({
        userId: input.userId,
        actionId: input.actionId,
        blockId: input.blockId,
        value,
        message,
        responseUrl: input.responseUrl,
      });
    }
    // The message is unknown to the emulator (hand-made scenario): send a plain button click.
    const synthetic: EmulatedMessage = {
      kind: input.container.isEphemeral === true ? 'ephemeral' : 'channel',
      channel: channelId,
      ts: messageTs,
      user: this.ctx.config.botUserId,
      recipient: input.userId,
      text: '',
      blocks: [],
      attachments: undefined,
      threadTs: undefined,
      metadata: undefined,
      files: [],
      source: 'chat.postMessage',
      deleted: false,
      revisions: [],
    };
    const action: JsonObject = {
      type: 'button',
      action_id: input.actionId,
      block_id: input.blockId ?? '',
      action_ts: this.ctx.ids.actionTs(),
      text: { type: 'plain_text', text: input.actionId, emoji: true },
    };
    if (value !== undefined) action.value = value;
    return this.sendMessageAction(input.userId, synthetic, action, input.responseUrl);
  }

  private submittedValues(record: ViewRecord, input: ViewSubmissionInput): StateValues {
    try {
      return buildStateValues(record.view.blocks, input.inputs ?? {}, input.values ?? {});
    } catch (error) {
      // A test typo in an action_id should fail loudly with what the view actually has.
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`${reason}; view ${record.view.id} has ${inputActionIds(record).join(', ')}`);
    }
  }

  async sendViewSubmission(input: ViewSubmissionInput): Promise<InteractionAck> {
    const record = this.openRecord(input.userId, input.viewId);
    const values = this.submittedValues(record, input);
    const triggerId = mintTrigger(this.ctx, input.userId);
    const payload = viewSubmissionPayload(this.ctx, { userId: input.userId, view: record.view, values, triggerId });
    const ack = await this.deliver('interactive', payload);
    if (ack.status === 200) applyViewSubmissionAck(this.ctx, record, ack.body);
    return { ...ack, responseUrl: undefined, triggerId };
  }

  /**
   * The user closes a modal. Slack tells the app only when the view has notify_on_close, so this
   * resolves to undefined (nothing sent) otherwise.
   */
  async sendViewClosed(input: { userId: string; viewId?: string }): Promise<AckResult | undefined> {
    const record = this.openRecord(input.userId, input.viewId);
    const isCleared = record.view.clear_on_close;
    if (isCleared) this.ctx.store.clearStack(input.userId);
    else this.ctx.store.closeView(record.view.id);
    if (!record.view.notify_on_close) return undefined;
    const payload = viewClosedPayload(this.ctx, {
      userId: input.userId,
      view: record.view,
      values: buildStateValues(record.view.blocks),
      isCleared,
    });
    return this.deliver('interactive', payload);
  }

  async sendEvent(event: JsonObject): Promise<AckResult> {
    const full: JsonObject = { ...event };
    if (event.type === 'app_home_opened' && typeof event.user === 'string') {
      // The Home tab lives in the app's DM with the user, and carries the published view if any.
      full.channel ??= this.ctx.store.openDm(event.user).id;
      full.tab ??= 'home';
      const homeId = this.ctx.store.homeViews.get(event.user);
      const home = homeId === undefined ? undefined : this.ctx.store.views.get(homeId);
      if (home !== undefined && full.view === undefined) full.view = home.view;
    }
    return this.deliver('events_api', eventEnvelope(this.ctx, full));
  }

  /**
   * A workflow runs one of the app's steps: a new execution (running until the app completes it) and its
   * `function_executed` event. The execution's token acts as a bot token until the emulator stops.
   */
  async sendFunctionExecuted(input: FunctionExecutedInput): Promise<AckResult & { execution: FunctionExecution }> {
    const execution: FunctionExecution = {
      id: this.ctx.ids.id('Fx'),
      workflowExecutionId: this.ctx.ids.id('Wx'),
      callbackId: input.callbackId,
      inputs: input.inputs,
      token: `xwfp-${this.ctx.ids.opaque(24)}`,
      outputParameters: input.outputParameters ?? [],
      state: 'running',
    };
    this.ctx.store.functionExecutions.set(execution.id, execution);
    this.ctx.store.functionTokens.set(execution.token, execution.id);
    const ack = await this.deliver('events_api', eventEnvelope(this.ctx, functionExecutedEvent(this.ctx, input, execution)));
    return { ...ack, execution };
  }
}
