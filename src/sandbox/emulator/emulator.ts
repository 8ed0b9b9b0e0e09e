import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EmulatorClock } from './clock.js';
import type { EmulatorContext } from './context.js';
import { sendText } from './http-body.js';
import { IdMinter } from './ids.js';
import { InboundSender, type Delivery } from './inbound.js';
import { NO_INTERCEPTOR, type CallInterceptor } from './interceptor.js';
import { collectStrings, cloneJson } from './json.js';
import { userJson } from './methods/misc.js';
import { mintTrigger } from './payloads.js';
import { handleResponseUrl } from './response-url.js';
import { handleAuthorize } from './oauth-authorize.js';
import { SocketModeServer } from './socket-mode.js';
import { restoreSnapshot, takeSnapshot, type ConversationsSnapshot } from './snapshot.js';
import { Store } from './store.js';
import { handleUpload, handleWebApi } from './web-api.js';
import type {
  AckResult,
  AddChannelInput,
  AddUserInput,
  ApiCall,
  BlockActionInput,
  ClickInput,
  CommandAck,
  EmulatedChannel,
  EmulatedMessage,
  EmulatedUser,
  EmulatorConfig,
  EmulatorOptions,
  FunctionExecutedInput,
  FunctionExecution,
  InstallTarget,
  InteractionAck,
  IssuedToken,
  JsonObject,
  LateAck,
  RawRequest,
  RawResponse,
  ResponseUrlPost,
  SharedFile,
  SlackView,
  SlashCommandInput,
  ViewClickInput,
  ViewSubmissionInput,
} from './types.js';

const DEFAULTS: EmulatorConfig = {
  botToken: 'xoxb-test',
  appToken: 'xapp-test',
  signingSecret: 'test-signing-secret',
  verificationToken: 'vtok',
  teamId: 'T0001',
  teamDomain: 'acme',
  teamName: 'Acme',
  appId: 'A0001',
  botUserId: 'U0BOT',
  botId: 'B0001',
  botName: 'accesskeybot',
  command: '/accesskey',
  defaultChannel: { id: 'C0001', name: 'general' },
  triggerTtlMs: 3_000,
  ackDeadlineMs: 3_000,
  ackTimeoutMs: 10_000,
  responseUrlMaxUses: 5,
  responseUrlTtlMs: 30 * 60 * 1000,
  clientId: 'test-client-id',
  clientSecret: 'test-client-secret',
  tokenRotation: false,
  tokenLifetimeSec: 43_200,
  oauthRedirectUri: '',
};

/** How the emulator runs, beside what it emulates. */
export interface EmulatorRuntimeOptions {
  /** Answers in place of endpoints (the test suite's fault injection); none by default. */
  interceptor?: CallInterceptor;
  /**
   * 'all' keeps every record (tests read them). 'bounded' keeps the latest few hundred and forgets
   * expired trigger_ids and response_urls, for a sandbox that runs for days.
   */
  retention?: 'all' | 'bounded';
  /** Told about every problem (something real Slack would refuse) as it happens. */
  onProblem?: (problem: string) => void;
}

const BOUNDED_RECORDS = 300;

/** What changed, so a live view (the sandbox page) knows when to refresh. */
export type ChangeListener = () => void;

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  message?: string;
}

/**
 * A local stand-in for Slack: Web API, file uploads, response_url, Socket Mode, and a signed
 * HTTP sender that delivers commands, interactions and events to the app. See README.md.
 */
export class SlackEmulator {
  readonly config: EmulatorConfig;
  readonly clock: EmulatorClock;
  private readonly store: Store;
  private readonly ctx: EmulatorContext;
  private readonly interceptor: CallInterceptor;
  private readonly retention: 'all' | 'bounded';
  private readonly socket: SocketModeServer;
  private readonly inbound: InboundSender;
  private readonly changeListeners = new Set<ChangeListener>();
  private server: Server | undefined;
  private base = '';
  /** Who approves the next install on the authorize page; the emulator's own workspace by default. */
  private installTarget: InstallTarget;

  protected constructor(options: EmulatorOptions & EmulatorRuntimeOptions) {
    const { clock, interceptor, retention, onProblem, ...rest } = options;
    this.config = { ...DEFAULTS, ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) };
    this.clock = new EmulatorClock(clock);
    this.interceptor = interceptor ?? NO_INTERCEPTOR;
    this.retention = retention ?? 'all';
    const ids = new IdMinter(this.clock);
    this.store = new Store(
      ids,
      this.config.botUserId,
      this.retention === 'bounded' ? BOUNDED_RECORDS : Number.POSITIVE_INFINITY,
      onProblem,
    );
    this.ctx = { config: this.config, store: this.store, ids, clock: this.clock, baseUrl: () => this.baseUrl };
    this.socket = new SocketModeServer(this.ctx);
    this.inbound = new InboundSender(this.ctx, this.socket);
    this.store.addChannel(this.config.defaultChannel);
    this.installTarget = {
      teamId: this.config.teamId,
      teamName: this.config.teamName,
      enterpriseId: null,
      enterpriseName: null,
      isEnterpriseInstall: false,
      userId: 'U0INSTALLER',
    };
  }

  /** An emulator on its own loopback port (what the test suite uses). */
  static async start(options: EmulatorOptions & EmulatorRuntimeOptions = {}): Promise<SlackEmulator> {
    const emulator = new SlackEmulator(options);
    await emulator.listen();
    return emulator;
  }

  /**
   * An emulator served by someone else's HTTP server under `baseUrl` (e.g. http://127.0.0.1:3000/sandbox):
   * that server passes requests below it to `handle()`.
   */
  static mounted(baseUrl: string, options: EmulatorOptions & EmulatorRuntimeOptions = {}): SlackEmulator {
    const emulator = new SlackEmulator(options);
    emulator.base = baseUrl.replace(/\/+$/, '');
    return emulator;
  }

  protected async listen(): Promise<void> {
    const server = createServer((req, res) => this.handle(req, res, new URL(req.url ?? '/', 'http://x').pathname));
    server.on('upgrade', (req, socket, head: Buffer) => this.socket.handleUpgrade(req, socket, head));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    const port = (server.address() as AddressInfo).port; // listen() on a TCP port always yields AddressInfo
    this.base = `http://127.0.0.1:${port}`;
  }

  /**
   * Serves one request for the emulator's own endpoints: `/api/<method>`, `/upload/<id>`,
   * `/response/<id>`. `path` is relative to the base URL.
   */
  handle(req: IncomingMessage, res: ServerResponse, path: string): void {
    this.route(req, res, path)
      .catch((error: unknown) => {
        const reason = error instanceof Error ? (error.stack ?? error.message) : String(error);
        this.store.problem(`emulator bug while handling ${req.method ?? ''} ${path}: ${reason}`);
        if (!res.headersSent) sendText(res, 500, 'emulator error');
      })
      .finally(() => this.changed());
  }

  private async route(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const [, area, id] = /^\/([a-z]+)\/(.+)$/.exec(path) ?? [];
    if (area === 'api' && id !== undefined) return handleWebApi(req, res, id, this.ctx, this.interceptor);
    if (req.method === 'POST' && area === 'upload' && id !== undefined) return handleUpload(req, res, id, this.ctx, this.interceptor);
    if (req.method === 'POST' && area === 'response' && id !== undefined)
      return handleResponseUrl(req, res, id, this.ctx, this.interceptor);
    if (req.method === 'GET' && area === 'oauth' && id === 'v2/authorize') return handleAuthorize(req, res, this.ctx, this.installTarget);
    sendText(res, 404, 'Not Found');
  }

  /** Called after anything that may have changed what a user sees. */
  private changed(): void {
    if (this.retention === 'bounded') this.store.pruneExpired(this.clock.now(), this.config.triggerTtlMs, this.config.responseUrlTtlMs);
    for (const listener of this.changeListeners) listener();
  }

  /** Runs `listener` after every Web API call, response_url post and delivery to the app. */
  onChange(listener: ChangeListener): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  private async afterDelivery<T>(delivery: Promise<T>): Promise<T> {
    try {
      return await delivery;
    } finally {
      this.changed();
    }
  }

  async stop(): Promise<void> {
    this.changeListeners.clear();
    this.socket.close();
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  // ---- addresses -------------------------------------------------------------------------

  /** e.g. http://127.0.0.1:4100, or http://127.0.0.1:3000/sandbox when mounted (no trailing slash). */
  get baseUrl(): string {
    return this.base;
  }

  /** Pass as WebClient slackApiUrl / Bolt clientOptions.slackApiUrl. */
  get apiUrl(): string {
    return `${this.baseUrl}/api/`;
  }

  // ---- workspace setup -------------------------------------------------------------------

  addUser(input: AddUserInput): EmulatedUser {
    return this.store.addUser(input);
  }

  addChannel(input: AddChannelInput): EmulatedChannel {
    return this.store.addChannel(input);
  }

  /**
   * An admin deactivates (or reactivates) an account, as in Slack's admin pages: `users.info` says
   * `deleted` from now on, and the app gets a `user_change` event carrying the user as users.info does.
   */
  setUserDeleted(userId: string, deleted: boolean): Promise<AckResult> {
    const user = this.store.users.get(userId);
    if (user === undefined) throw new Error(`no user ${userId}`);
    user.deleted = deleted;
    return this.sendEvent({ type: 'user_change', user: userJson(user, this.ctx, false) });
  }

  /**
   * A trigger_id for a user, as if they had just interacted. Every payload the emulator sends
   * already carries a fresh one; this is for driving views.open directly in tests.
   */
  mintTriggerId(userId: string): string {
    return mintTrigger(this.ctx, userId);
  }

  // ---- keeping conversations across restarts --------------------------------------------

  /** Channels, DMs, channel messages and shared files as plain JSON (no ephemerals, modals or URLs). */
  conversations(): ConversationsSnapshot {
    return takeSnapshot(this.store, this.ctx.ids.lastMessageTs);
  }

  /**
   * Brings back conversations saved by `conversations()`, into a fresh emulator before any DM is
   * opened (a DM keeps its id, so the messages in it are found again).
   */
  restoreConversations(snapshot: ConversationsSnapshot): void {
    restoreSnapshot(this.store, this.ctx.ids, snapshot);
  }

  /** A message ts that everything posted so far is before and everything posted later is at or after. */
  boundaryTs(): string {
    return this.ctx.ids.boundaryTs();
  }

  // ---- time ------------------------------------------------------------------------------

  /** Moves the emulator's clock (trigger and response_url expiry) forward without sleeping. */
  advanceClock(ms: number): void {
    this.clock.advance(ms);
  }

  // ---- records ---------------------------------------------------------------------------

  get calls(): readonly ApiCall[] {
    return this.store.calls;
  }

  callsTo(method: string): ApiCall[] {
    return this.store.calls.filter((c) => c.method === method);
  }

  get responseUrlPosts(): readonly ResponseUrlPost[] {
    return this.store.responseUrlPosts;
  }

  /** Posts to one response_url, given as the full URL or its id. */
  responsesTo(responseUrlOrId: string): ResponseUrlPost[] {
    const id = responseUrlOrId.split('/').pop() ?? responseUrlOrId;
    return this.store.responseUrlPosts.filter((p) => p.id === id);
  }

  /** Acks that took longer than ackDeadlineMs (3 s) or never came. */
  get lateAcks(): readonly LateAck[] {
    return this.store.lateAcks;
  }

  /** Things real Slack would refuse that never reach the app as an API error (bad acks, ...). */
  get problems(): readonly string[] {
    return this.store.problems;
  }

  /** Everything the emulator delivered to the app, with the ack it got. */
  get deliveries(): readonly Delivery[] {
    return this.inbound.deliveries;
  }

  /** Live (not deleted) channel messages, oldest first. */
  messagesIn(channelId: string, options: { includeDeleted?: boolean } = {}): EmulatedMessage[] {
    return this.store.messages.filter(
      (m) => m.kind === 'channel' && m.channel === channelId && (options.includeDeleted === true || !m.deleted),
    );
  }

  /** Ephemeral messages shown to a user (chat.postEphemeral, respond(), command ack replies), oldest first. */
  ephemeralsFor(userId: string, options: { channelId?: string; includeDeleted?: boolean } = {}): EmulatedMessage[] {
    return this.store.messages.filter(
      (m) =>
        m.kind === 'ephemeral' &&
        m.recipient === userId &&
        (options.channelId === undefined || m.channel === options.channelId) &&
        (options.includeDeleted === true || !m.deleted),
    );
  }

  /** Every message the user can currently see that the app produced, oldest first. */
  messagesVisibleTo(userId: string): EmulatedMessage[] {
    return this.store.messages.filter((m) => {
      if (m.deleted) return false;
      if (m.kind === 'ephemeral') return m.recipient === userId;
      const channel = this.store.channels.get(m.channel);
      return channel !== undefined && this.store.isMember(channel, userId);
    });
  }

  dmChannelOf(userId: string): string | undefined {
    return this.store.dmByUser.get(userId);
  }

  /** The bot's DM with a user, opened now if needed (Slack keeps one per user). */
  openDm(userId: string): string {
    return this.store.openDm(userId).id;
  }

  users(): EmulatedUser[] {
    return [...this.store.users.values()].map((user) => ({ ...user }));
  }

  channels(): EmulatedChannel[] {
    return [...this.store.channels.values()].map((channel) => ({
      ...channel,
      members: channel.members === undefined ? undefined : [...channel.members],
    }));
  }

  /** A file's name and bytes, if it was shared somewhere the user can see. */
  fileFor(userId: string, fileId: string): { filename: string; bytes: Buffer } | undefined {
    const file = this.store.files.get(fileId);
    if (file === undefined || !file.completed || file.bytes === undefined) return undefined;
    const visible = file.channels.some((id) => {
      const channel = this.store.channels.get(id);
      return channel !== undefined && this.store.isMember(channel, userId);
    });
    return visible ? { filename: file.filename, bytes: file.bytes } : undefined;
  }

  /** Metadata of a shared file (no bytes), for showing it in a conversation. */
  fileInfo(fileId: string): { id: string; filename: string; title: string; size: number } | undefined {
    const file = this.store.files.get(fileId);
    if (file === undefined || !file.completed) return undefined;
    return { id: file.id, filename: file.filename, title: file.title, size: file.bytes?.length ?? file.declaredLength };
  }

  /** Files shared into a channel (completeUploadExternal with channel_id), with their content. */
  filesIn(channelId: string): SharedFile[] {
    return [...this.store.files.values()]
      .filter((f) => f.completed && f.channels.includes(channelId) && f.bytes !== undefined)
      .map((f) => {
        const bytes = f.bytes ?? Buffer.alloc(0);
        return {
          id: f.id,
          filename: f.filename,
          title: f.title,
          channel: channelId,
          content: bytes.toString('utf8'),
          bytes,
          initialComment: f.initialComment,
          threadTs: f.threadTs,
        };
      });
  }

  /** The modal on top of the user's stack, or undefined when none is open. */
  openViewFor(userId: string): SlackView | undefined {
    const id = this.store.openStack(userId).at(-1);
    const record = id === undefined ? undefined : this.store.views.get(id);
    return record === undefined ? undefined : cloneJson(record.view);
  }

  /** The user's open modal stack, bottom first. */
  viewStackOf(userId: string): SlackView[] {
    return this.store.openStack(userId).flatMap((id) => {
      const record = this.store.views.get(id);
      return record === undefined ? [] : [cloneJson(record.view)];
    });
  }

  view(viewId: string): (SlackView & { open: boolean }) | undefined {
    const record = this.store.views.get(viewId);
    return record === undefined ? undefined : { ...cloneJson(record.view), open: record.open };
  }

  homeViewOf(userId: string): SlackView | undefined {
    const id = this.store.homeViews.get(userId);
    const record = id === undefined ? undefined : this.store.views.get(id);
    return record === undefined ? undefined : cloneJson(record.view);
  }

  /** Errors from the latest `response_action: errors` ack for a view that is still showing them. */
  viewErrors(viewId: string): Record<string, string> | undefined {
    return this.store.views.get(viewId)?.errors;
  }

  /** Every string the app sent to the emulator: API args, uploads, response_url bodies, ack bodies. */
  allStrings(): string[] {
    const strings: string[] = [];
    for (const call of this.store.calls) collectStrings(call.args, strings);
    for (const post of this.store.responseUrlPosts) collectStrings(post.body, strings);
    for (const body of this.store.ackBodies) collectStrings(body, strings);
    for (const file of this.store.files.values()) if (file.bytes !== undefined) strings.push(file.bytes.toString('utf8'));
    return strings;
  }

  allText(): string {
    return this.allStrings().join('\n');
  }

  /** Polls `predicate` until it returns something truthy, and returns that. */
  async waitFor<T>(predicate: () => T | undefined | null | false, options: WaitOptions = {}): Promise<T> {
    // Generous: a wait that holds returns at once, and a busy test machine must not turn a slow one into a failure.
    const timeoutMs = options.timeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = predicate();
      if (value !== undefined && value !== null && value !== false) return value;
      if (Date.now() > deadline)
        throw new Error(`waitFor timed out after ${timeoutMs} ms${options.message === undefined ? '' : `: ${options.message}`}`);
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 10));
    }
  }

  // ---- sending to the app ----------------------------------------------------------------

  useHttpTarget(url: string): void {
    this.inbound.useHttpTarget(url);
  }

  useSocketMode(): void {
    this.inbound.useSocketMode();
  }

  /** Number of Socket Mode connections that can receive envelopes. */
  get socketConnections(): number {
    return this.socket.connectionCount;
  }

  /** Resolves once the app holds a Socket Mode connection (after `hello`). */
  async waitForSocket(timeoutMs = 5_000): Promise<void> {
    await this.socket.waitForConnection(timeoutMs);
  }

  /** Sends `disconnect` to every connection; the app is expected to reconnect. */
  disconnectSockets(reason = 'refresh_requested'): void {
    this.socket.disconnectAll(reason);
  }

  sendSlashCommand(input: SlashCommandInput): Promise<CommandAck> {
    return this.afterDelivery(this.inbound.sendSlashCommand(input));
  }

  sendBlockAction(input: BlockActionInput): Promise<InteractionAck> {
    return this.afterDelivery(this.inbound.sendBlockAction(input));
  }

  clickButton(input: ClickInput): Promise<InteractionAck> {
    return this.afterDelivery(this.inbound.clickButton(input));
  }

  clickInView(input: ViewClickInput): Promise<InteractionAck> {
    return this.afterDelivery(this.inbound.clickInView(input));
  }

  /** The newest message visible to the user containing a matching element. */
  findMessageWithAction(userId: string, filter: { actionId: string; blockId?: string; value?: string }): EmulatedMessage | undefined {
    return this.inbound.findMessageWithAction(userId, filter);
  }

  sendViewSubmission(input: ViewSubmissionInput): Promise<InteractionAck> {
    return this.afterDelivery(this.inbound.sendViewSubmission(input));
  }

  sendViewClosed(input: { userId: string; viewId?: string }): Promise<AckResult | undefined> {
    return this.afterDelivery(this.inbound.sendViewClosed(input));
  }

  sendEvent(event: JsonObject): Promise<AckResult> {
    return this.afterDelivery(this.inbound.sendEvent(event));
  }

  /**
   * A person types a message in a conversation: it appears there, and the app gets Slack's `message`
   * event for it (as it would with the `message.*` subscriptions of its manifest).
   */
  async postUserMessage(input: { userId: string; channelId: string; text: string }): Promise<{ message: EmulatedMessage; ack: AckResult }> {
    const channel = this.store.resolveChannel(input.channelId);
    if (channel === undefined) throw new Error(`no conversation ${input.channelId}`);
    const message = this.store.addMessage({
      kind: 'channel',
      channel: channel.id,
      text: input.text,
      blocks: [],
      source: 'user_message',
      user: input.userId,
    });
    const ack = await this.sendEvent({
      type: 'message',
      channel: channel.id,
      channel_type: channel.isIm ? 'im' : 'channel',
      user: input.userId,
      text: input.text,
      ts: message.ts,
    });
    return { message, ack };
  }

  /** OAuth: the authorize page's Redirect URL when the app sends no redirect_uri (the app's settings on api.slack.com). */
  useOAuthRedirect(url: string): void {
    this.config.oauthRedirectUri = url;
  }

  /** OAuth: who approves the next install (another workspace, or an Enterprise org for an org-wide install). */
  setInstallTarget(target: Partial<InstallTarget>): void {
    this.installTarget = { ...this.installTarget, ...target };
  }

  /** Another workspace of the organisation (Enterprise Grid): users act in it after `useWorkspace(id)`. */
  addWorkspace(workspace: { id: string; name: string; domain: string }): void {
    this.store.workspaces.set(workspace.id, workspace);
  }

  /** Every workspace users can act in (the emulator's own first), and the one they act in now. */
  workspaceList(): { workspaces: Array<{ id: string; name: string }>; current: string } {
    const own = { id: this.config.teamId, name: this.config.teamName };
    return {
      workspaces: [own, ...[...this.store.workspaces.values()].map((w) => ({ id: w.id, name: w.name }))],
      current: this.store.currentTeamId ?? own.id,
    };
  }

  /** The workspace the next commands, clicks and events come from; undefined: the emulator's own. */
  useWorkspace(teamId: string | undefined): void {
    if (teamId !== undefined && teamId !== this.config.teamId && !this.store.workspaces.has(teamId)) {
      throw new Error(`no workspace ${teamId}: addWorkspace() it first`);
    }
    this.store.currentTeamId = teamId;
  }

  /** Tokens issued by OAuth installs and refreshes (`expiresAt` on the emulator's clock). */
  issuedTokens(): IssuedToken[] {
    return [...this.store.issuedTokens.values()];
  }

  /** As Slack does on an uninstall: every issued token is revoked, then `app_uninstalled` is sent. */
  async uninstallApp(): Promise<AckResult> {
    for (const issued of this.store.issuedTokens.values()) issued.revoked = true;
    return this.sendEvent({ type: 'app_uninstalled' });
  }

  /** Runs a workflow step of the app (`function_executed`); `functionExecution(id)` shows how it ended. */
  sendFunctionExecuted(input: FunctionExecutedInput): Promise<AckResult & { execution: FunctionExecution }> {
    return this.afterDelivery(this.inbound.sendFunctionExecuted(input));
  }

  /** A step execution: `state` running / completed (with `outputs`) / failed (with `error`). */
  functionExecution(executionId: string): FunctionExecution | undefined {
    return this.store.functionExecutions.get(executionId);
  }

  /** A hand-built request to the HTTP target, e.g. with a bad or missing signature. */
  sendRaw(request: RawRequest): Promise<RawResponse> {
    return this.inbound.sendRaw(request);
  }
}
