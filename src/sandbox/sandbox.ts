import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Logger } from '../logger.js';
import { SlackEmulator, stateValuesFromForm, type ConversationsSnapshot, type EmulatedMessage, type SlackView } from './emulator/index.js';
import { escapeCommandText } from './composer.js';
import { hostRefusal, postRefusal } from './guard.js';
import { readLimitedBody } from '../http-io.js';
import { sendFile, sendJsonBody, serveStatic } from './http.js';
import { ConversationsFile, type SavedConversations } from './saved-conversations.js';
import { SANDBOX_ADMIN_IDS, SANDBOX_CHANNELS, SANDBOX_ORG, SANDBOX_PATH, SANDBOX_PEOPLE, SANDBOX_SECOND_WORKSPACE } from './workspace.js';
import { currentCode, type SandboxCode } from './authenticator.js';

export interface SandboxOptions {
  /** The app's own credentials (made at start by the configuration); the sandbox is "Slack" for them. */
  botToken: string;
  signingSecret: string;
  auditChannelId: string;
  approvalsChannelId: string;
  /** What the page's reset button clears: everything, or (with someone else's database) Slack's side only. */
  resetClears: 'everything' | 'slack';
  logger: Logger;
  /** Asked by the page's reset button; the starter wipes the database and restarts the app. */
  onReset: () => Promise<void>;
  /** Where the conversations are kept across restarts (beside the database); none: kept in memory only. */
  conversationsFile?: string;
  /** Host names the page answers besides addresses and localhost (the operator's HOST, this machine's name). */
  hostNames?: readonly string[];
  /**
   * The app installs by OAuth (`SANDBOX_INSTALL=oauth`): its client id and secret. The page then offers
   * **Install**, and the install is org-wide (`SANDBOX_ORG`), so both sandbox workspaces are served.
   */
  oauth?: { clientId: string; clientSecret: string };
}

const COMMAND = '/accesskey';
const MAX_BODY_BYTES = 64 * 1024;
const MAX_MESSAGES_SHOWN = 200;
const TS = /^\d{1,12}\.\d{6}$/;
const userId = z.string().refine((id) => SANDBOX_PEOPLE.some((person) => person.id === id), 'must be one of the sandbox people');
const slackId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._-]+$/, 'must be an ID');
/** What a person entered in one element: text, a date, a timestamp, options by value. */
const userInput = z.union([z.string().max(3000), z.number(), z.boolean(), z.array(z.string().max(150)).max(100), z.null()]);
const formValues = z.record(z.string().max(255), z.record(z.string().max(255), userInput));

const commandBody = z.object({ as: userId, channel: slackId, text: z.string().max(4000) });
const actionBody = z.object({
  as: userId,
  container: z.discriminatedUnion('type', [
    z.object({ type: z.literal('message'), channel: slackId, ts: z.string().regex(/^\d+\.\d+$/) }),
    z.object({ type: z.literal('view'), viewId: slackId }),
  ]),
  blockId: z.string().max(255),
  actionId: z.string().max(255),
  /** A button's value (to tell apart buttons sharing an action_id), or the option picked. */
  value: z.string().max(2000).optional(),
  input: userInput.optional(),
  form: formValues.default({}),
});
const submitBody = z.object({ as: userId, viewId: slackId, form: formValues.default({}) });
const closeBody = z.object({ as: userId, viewId: slackId });
const personBody = z.object({ as: userId });
/** An admin deactivates or reactivates someone's account (Slack's admin pages), which Slack tells the app as `user_change`. */
const accountBody = z.object({ as: userId, person: userId, deactivated: z.boolean() });

/** The JSON the page renders: everything one person sees in one conversation, plus their surfaces. */
interface PageState {
  team: string;
  botName: string;
  botUserId: string;
  people: Array<{ id: string; name: string; realName: string; admin: boolean; dm: string; deactivated: boolean }>;
  channels: Array<{ id: string; name: string }>;
  messages: Array<ReturnType<typeof messageForPage>>;
  modals: Array<SlackView & { errors: Record<string, string> | null }>;
  home: SlackView | null;
  resetClears: 'everything' | 'slack';
  /** The sandbox's workspaces (one org) and the one the page acts in; `install`: the page offers Install (OAuth). */
  workspaces: Array<{ id: string; name: string }>;
  workspace: string;
  install: boolean;
  /** Ephemerals before this ts belong to an earlier page load, and Slack drops them on reload. */
  since: string;
  /** Conversations with messages this person has not seen: how many, and how many mention them. */
  unread: Record<string, { messages: number; mentions: number }>;
  /** Sandbox only: the acting person's current step-up code, from the enrolment link in their DM (authenticator.ts). */
  authenticator: SandboxCode | null;
}

/** Slack's ts strings compared as the numbers they are. */
function tsBefore(a: string, b: string): boolean {
  const [as = '0', am = '0'] = a.split('.');
  const [bs = '0', bm = '0'] = b.split('.');
  return Number(as) < Number(bs) || (Number(as) === Number(bs) && Number(am) < Number(bm));
}

function mentions(message: EmulatedMessage, personId: string): boolean {
  const tag = `<@${personId}`;
  return message.text.includes(tag) || JSON.stringify(message.blocks).includes(tag);
}

function messageForPage(message: EmulatedMessage, emulator: SlackEmulator) {
  return {
    ts: message.ts,
    // A person's own message shows who typed it; everything else is the app's.
    author: message.source === 'user_message' ? message.user : null,
    ephemeral: message.kind === 'ephemeral',
    text: message.text,
    blocks: message.blocks,
    edited: message.revisions.length > 0,
    files: message.files.flatMap((id) => {
      const info = emulator.fileInfo(id);
      return info === undefined ? [] : [info];
    }),
  };
}

/**
 * The local Slack sandbox: the emulator (Slack's Web API, response_url, signed requests to the app)
 * plus a page that lets a person use the app the way they would in Slack. It reaches the app only
 * through Slack's protocol, like Slack does.
 */
export class Sandbox {
  private emulator: SlackEmulator;
  private readonly streams = new Set<ServerResponse>();
  private eventsUrl: string | undefined;
  private page = '';
  private appBase: string | undefined;
  private pending: NodeJS.Timeout | undefined;
  private resetting = false;
  /** Person → conversation → the newest ts they have seen. */
  private read = new Map<string, Map<string, string>>();

  private constructor(
    private readonly options: SandboxOptions,
    private readonly slackServer: Server,
    private readonly slackBase: string,
    private readonly file: ConversationsFile | undefined,
    saved: SavedConversations | undefined,
  ) {
    this.emulator = this.createEmulator(saved?.slack);
    for (const [person, marks] of Object.entries(saved?.read ?? {})) this.read.set(person, new Map(Object.entries(marks)));
  }

  /**
   * Slack's side (Web API, file uploads, response_url) listens on a loopback port of its own from the
   * start: the app checks its token with auth.test before its own port is open. The page is mounted on
   * the app's port (`listener`).
   */
  static async start(options: SandboxOptions): Promise<Sandbox> {
    let sandbox: Sandbox | undefined;
    const server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://slack').pathname;
      const refused = hostRefusal(req, []);
      if (refused !== undefined) return sendJsonBody(res, refused.status, { error: refused.error });
      if (sandbox === undefined || !isSlackEndpoint(path)) return sendJsonBody(res, 404, { error: 'not found' });
      sandbox.emulator.handle(req, res, path);
    });
    // Only the app talks to this port, but a stuck client must still not hold a socket for ever.
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    const port = address !== null && typeof address === 'object' ? address.port : 0;
    const file = options.conversationsFile === undefined ? undefined : new ConversationsFile(options.conversationsFile, options.logger);
    sandbox = new Sandbox(options, server, `http://127.0.0.1:${port}`, file, await file?.load());
    return sandbox;
  }

  /** The Web API base the app's client uses (SLACK_API_URL). */
  get apiUrl(): string {
    return this.emulator.apiUrl;
  }

  /** The page, once the app listens (see connect). */
  get pageUrl(): string {
    return this.page;
  }

  /** Where Slack's requests go (the app's own /slack/events), and where the page is. */
  connect(appBaseUrl: string): void {
    this.eventsUrl = `${appBaseUrl}/slack/events`;
    this.appBase = appBaseUrl;
    this.page = `${appBaseUrl}${SANDBOX_PATH}`;
    this.emulator.useHttpTarget(this.eventsUrl);
    this.emulator.useOAuthRedirect(`${appBaseUrl}/slack/oauth_redirect`);
  }

  /** A fresh, empty workspace (after a reset): same people, channels and credentials; nothing kept on disk. */
  async clear(): Promise<void> {
    void this.emulator.stop();
    this.emulator = this.createEmulator(undefined);
    this.read = new Map();
    if (this.eventsUrl !== undefined) this.emulator.useHttpTarget(this.eventsUrl);
    if (this.appBase !== undefined) this.emulator.useOAuthRedirect(`${this.appBase}/slack/oauth_redirect`);
    await this.file?.remove();
    this.broadcast('reset');
  }

  async stop(): Promise<void> {
    if (this.pending !== undefined) clearTimeout(this.pending);
    for (const stream of this.streams) stream.end();
    this.streams.clear();
    await this.file?.flush(() => this.saved());
    await this.emulator.stop();
    this.slackServer.closeAllConnections();
    await new Promise<void>((resolve) => this.slackServer.close(() => resolve()));
  }

  private saved(): SavedConversations {
    const read: SavedConversations['read'] = {};
    for (const [person, marks] of this.read) read[person] = Object.fromEntries(marks);
    return { slack: this.emulator.conversations(), read };
  }

  private createEmulator(saved: ConversationsSnapshot | undefined): SlackEmulator {
    const { logger } = this.options;
    const emulator = SlackEmulator.mounted(this.slackBase, {
      botToken: this.options.botToken,
      // No Socket Mode in the sandbox: an app token that matches nothing the app holds.
      appToken: 'xapp-sandbox-unused',
      signingSecret: this.options.signingSecret,
      teamName: 'Sandbox',
      teamDomain: 'sandbox',
      botName: 'Access Key Bot',
      defaultChannel: SANDBOX_CHANNELS.general,
      ...(this.options.oauth === undefined ? {} : { clientId: this.options.oauth.clientId, clientSecret: this.options.oauth.clientSecret }),
      retention: 'bounded',
      onProblem: (problem) => logger.warn('sandbox: Slack would refuse this', { problem: problem.slice(0, 500) }),
    });
    for (const person of SANDBOX_PEOPLE) {
      emulator.addUser({ id: person.id, name: person.name, realName: person.realName, isAdmin: person.admin });
    }
    // Before any DM is opened: each person's DM keeps its id, and with it its messages.
    if (saved !== undefined) emulator.restoreConversations(saved);
    for (const person of SANDBOX_PEOPLE) emulator.openDm(person.id);
    const channels = [
      { id: this.options.auditChannelId, name: SANDBOX_CHANNELS.audit.name },
      { id: this.options.approvalsChannelId, name: SANDBOX_CHANNELS.approvals.name },
    ];
    for (const channel of channels) if (channel.id !== SANDBOX_CHANNELS.general.id) emulator.addChannel(channel);
    // A second workspace of the same organisation: the same people, channels and keys, seen from elsewhere.
    emulator.addWorkspace(SANDBOX_SECOND_WORKSPACE);
    emulator.setInstallTarget({
      enterpriseId: SANDBOX_ORG.id,
      enterpriseName: SANDBOX_ORG.name,
      isEnterpriseInstall: true,
      userId: SANDBOX_ADMIN_IDS[0] ?? 'U0SANDADA',
    });
    emulator.onChange(() => this.scheduleChange());
    return emulator;
  }

  /** Many Web API calls make up one user-visible change: tell the page once they settle. */
  private scheduleChange(): void {
    if (this.pending !== undefined) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.broadcast('change');
      this.file?.request(() => this.saved());
    }, 25);
  }

  private broadcast(event: string): void {
    for (const stream of this.streams) stream.write(`event: ${event}\ndata: {}\n\n`);
  }

  /** Everything under /sandbox on the app's port. */
  readonly listener: RequestListener = (req, res) => {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const path = url.pathname.slice(SANDBOX_PATH.length) || '/';
    const refused = hostRefusal(req, this.options.hostNames ?? []) ?? (req.method === 'POST' ? postRefusal(req) : undefined);
    if (refused !== undefined) {
      // Unread, the body would keep the connection busy; the answer closes it instead.
      res.setHeader('connection', 'close');
      return sendJsonBody(res, refused.status, { error: refused.error });
    }
    this.route(req, res, path, url.searchParams).catch((error: unknown) => {
      this.options.logger.error('sandbox request failed', { path, error });
      if (!res.headersSent) sendJsonBody(res, 500, { error: 'The sandbox failed; see the app log.' });
      else res.destroy();
    });
  };

  private async route(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<void> {
    if (req.method === 'GET') {
      if (path === '/' || path === '') return serveStatic(res, 'index.html');
      if (path.startsWith('/static/')) return serveStatic(res, path.slice('/static/'.length));
      if (path === '/events') return this.openStream(req, res);
      if (path === '/state') return this.sendState(res, query);
      const file = /^\/files\/([A-Z0-9]+)$/.exec(path);
      if (file?.[1] !== undefined) return this.sendFile(res, file[1], query);
      return sendJsonBody(res, 404, { error: 'not found' });
    }
    if (req.method !== 'POST') return sendJsonBody(res, 405, { error: 'method not allowed' });
    const read = await readLimitedBody(req, MAX_BODY_BYTES);
    if (!read.ok) {
      // Reading stopped at the limit (or the upload broke off): the rest is never read, so the answer closes the connection.
      res.setHeader('connection', 'close');
      return sendJsonBody(res, 413, { error: read.error === 'too_large' ? 'request too large' : 'request aborted' });
    }
    const body = read.bytes.toString('utf8');
    switch (path) {
      case '/command':
        return this.answer(res, commandBody, body, (input) => this.runCommand(input));
      case '/action':
        return this.answer(res, actionBody, body, (input) => this.runAction(input));
      case '/submit':
        return this.answer(res, submitBody, body, async (input) => {
          const view = this.emulator.view(input.viewId);
          if (view === undefined) throw new UserFacing('That window is gone.');
          const ack = await this.emulator.sendViewSubmission({
            userId: input.as,
            viewId: input.viewId,
            values: stateValuesFromForm(view.blocks, input.form),
          });
          return { status: ack.status };
        });
      case '/close':
        return this.answer(res, closeBody, body, async (input) => {
          const ack = await this.emulator.sendViewClosed({ userId: input.as, viewId: input.viewId });
          return { status: ack?.status ?? 200 };
        });
      case '/workspace':
        return this.answer(res, z.object({ team: z.string().max(20) }), body, async (input) => {
          if (!this.emulator.workspaceList().workspaces.some((w) => w.id === input.team))
            throw new UserFacing('That workspace does not exist.');
          this.emulator.useWorkspace(input.team);
          this.scheduleChange();
          return { status: 200 };
        });
      case '/home':
        return this.answer(res, personBody, body, async (input) => {
          const ack = await this.emulator.sendEvent({ type: 'app_home_opened', user: input.as });
          return { status: ack.status };
        });
      case '/account':
        return this.answer(res, accountBody, body, async (input) => {
          if (!SANDBOX_PEOPLE.some((p) => p.id === input.as && p.admin))
            throw new UserFacing('Only a workspace admin can deactivate accounts.');
          if (input.person === input.as) throw new UserFacing('You cannot deactivate your own account here.');
          if (!SANDBOX_PEOPLE.some((p) => p.id === input.person)) throw new UserFacing('There is no such person in the sandbox.');
          const ack = await this.emulator.setUserDeleted(input.person, input.deactivated);
          return { status: ack.status };
        });
      case '/reset':
        return this.answer(res, z.object({}), body, async () => {
          if (this.resetting) return { status: 202 };
          this.resetting = true;
          // Answered first: the reset restarts the server this request came through.
          setTimeout(() => {
            this.options.onReset().then(
              () => (this.resetting = false),
              (error: unknown) => {
                this.resetting = false;
                this.options.logger.error('sandbox reset failed', { error });
              },
            );
          }, 100);
          return { status: 202 };
        });
      default:
        return sendJsonBody(res, 404, { error: 'not found' });
    }
  }

  private async answer<T>(
    res: ServerResponse,
    schema: z.ZodType<T>,
    raw: string,
    run: (input: T) => Promise<{ status: number }>,
  ): Promise<void> {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return sendJsonBody(res, 400, { error: 'body must be JSON' });
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success)
      return sendJsonBody(res, 400, { error: parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ') });
    try {
      const result = await run(parsed.data);
      // Slack tells the person when the app did not answer in time (or failed); so does the page.
      const problem = result.status === 200 || result.status === 202 ? undefined : appFailure(result.status);
      sendJsonBody(res, 200, { status: result.status, problem });
    } catch (error) {
      this.scheduleChange();
      if (error instanceof UserFacing) return sendJsonBody(res, 409, { error: error.message });
      // The app's port refused the request: it is restarting (a reset) or has stopped.
      if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
        return sendJsonBody(res, 503, { error: 'The app is not answering (restarting?). Try again in a moment.' });
      }
      // The emulator throws for gestures that make no sense any more (a button that is gone).
      this.options.logger.info('sandbox: gesture on something that changed', { error });
      sendJsonBody(res, 409, { error: 'That is no longer there. The page has been refreshed.' });
    }
  }

  private async runCommand(input: z.output<typeof commandBody>): Promise<{ status: number }> {
    const text = input.text.trim();
    const match = /^\/(\S+)\s*([\s\S]*)$/.exec(text);
    if (match === null) return this.postMessage(input.as, input.channel, text);
    if (`/${match[1] ?? ''}` !== COMMAND) throw new UserFacing(`/${match[1] ?? ''} is not a command here. Try ${COMMAND} help.`);
    if (!this.emulator.channels().some((c) => c.id === input.channel)) throw new UserFacing('That conversation does not exist.');
    const escaped = escapeCommandText(match[2] ?? '', { people: SANDBOX_PEOPLE, channels: Object.values(SANDBOX_CHANNELS) });
    const ack = await this.emulator.sendSlashCommand({ userId: input.as, channelId: input.channel, text: escaped });
    return { status: ack.status };
  }

  /**
   * A plain message: it appears in the conversation and reaches the app as Slack's `message` event, so
   * a secret pasted into #general shows the leak response (docs/leak-response.md) end to end.
   */
  private async postMessage(as: string, channelId: string, text: string): Promise<{ status: number }> {
    if (text === '') throw new UserFacing('Type a message or a command.');
    if (!this.emulator.channels().some((c) => c.id === channelId)) throw new UserFacing('That conversation does not exist.');
    // Slack's client escapes a message as it does a command's text (`&`, `<`, `>`, mentions).
    const escaped = escapeCommandText(text, { people: SANDBOX_PEOPLE, channels: Object.values(SANDBOX_CHANNELS) });
    const { ack } = await this.emulator.postUserMessage({ userId: as, channelId, text: escaped });
    this.scheduleChange();
    return { status: ack.status };
  }

  private async runAction(input: z.output<typeof actionBody>): Promise<{ status: number }> {
    const choice = input.input ?? undefined;
    if (input.container.type === 'view') {
      const view = this.emulator.view(input.container.viewId);
      if (view === undefined || !view.open) throw new UserFacing('That window is gone.');
      const ack = await this.emulator.clickInView({
        userId: input.as,
        viewId: input.container.viewId,
        actionId: input.actionId,
        blockId: input.blockId,
        value: input.value,
        input: choice,
        values: stateValuesFromForm(view.blocks, input.form),
      });
      return { status: ack.status };
    }
    const ack = await this.emulator.clickButton({
      userId: input.as,
      actionId: input.actionId,
      blockId: input.blockId,
      value: input.value,
      input: choice,
      channelId: input.container.channel,
      messageTs: input.container.ts,
    });
    return { status: ack.status };
  }

  private openStream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
    // A quick retry: after a reset the page reconnects as soon as the app is back.
    res.write('retry: 500\n\n');
    this.streams.add(res);
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 25_000);
    req.on('close', () => {
      clearInterval(keepAlive);
      this.streams.delete(res);
    });
  }

  private sendState(res: ServerResponse, query: URLSearchParams): void {
    // Without `as` the page is new: it acts as the first person (the admin).
    const as = query.get('as') ?? SANDBOX_PEOPLE[0]?.id;
    const person = SANDBOX_PEOPLE.find((p) => p.id === as);
    if (person === undefined) {
      sendJsonBody(res, 400, { error: 'as must be one of the sandbox people' });
      return;
    }
    const emulator = this.emulator;
    // A page load starts with `since=load`: the ephemerals of an earlier load stay behind, as in Slack.
    const asked = query.get('since');
    const since = asked === 'load' ? emulator.boundaryTs() : asked !== null && TS.test(asked) ? asked : undefined;
    const explicit = query.get('channel');
    const channelId = explicit ?? SANDBOX_CHANNELS.general.id;
    const channels = emulator.channels();
    const named = channels.filter((c) => !c.isIm).map((c) => ({ id: c.id, name: c.name }));
    const seen = emulator.messagesVisibleTo(person.id).filter((m) => m.kind === 'channel' || since === undefined || !tsBefore(m.ts, since));
    // The newest ones are enough for a page, and keep a long-running sandbox's answers small.
    const visible = seen.filter((m) => m.channel === channelId).slice(-MAX_MESSAGES_SHOWN);
    // The page shows this conversation now: it is read (Slack's client marks it so too). Only when
    // named: App Home asks without one.
    const newest = visible.at(-1)?.ts;
    if (explicit !== null && newest !== undefined) this.markRead(person.id, channelId, newest);
    const deactivated = new Set(
      emulator
        .users()
        .filter((u) => u.deleted)
        .map((u) => u.id),
    );
    const state: PageState = {
      team: emulator.config.teamName,
      botName: emulator.config.botName,
      botUserId: emulator.config.botUserId,
      people: SANDBOX_PEOPLE.map((p) => ({
        id: p.id,
        name: p.name,
        realName: p.realName,
        admin: p.admin,
        dm: emulator.openDm(p.id),
        deactivated: deactivated.has(p.id),
      })),
      channels: named,
      messages: visible.map((m) => messageForPage(m, emulator)),
      modals: emulator.viewStackOf(person.id).map((view) => ({ ...view, errors: emulator.viewErrors(view.id) ?? null })),
      home: emulator.homeViewOf(person.id) ?? null,
      resetClears: this.options.resetClears,
      workspaces: emulator.workspaceList().workspaces,
      workspace: emulator.workspaceList().current,
      install: this.options.oauth !== undefined,
      since: since ?? '0.000000',
      unread: this.unreadFor(person.id, emulator.openDm(person.id), seen),
      authenticator: this.codeFor(person.id),
    };
    sendJsonBody(res, 200, state);
  }

  private codeFor(personId: string): SandboxCode | null {
    const dm = this.emulator.openDm(personId);
    const texts = this.emulator
      .messagesIn(dm)
      .filter((m) => m.user === this.emulator.config.botUserId)
      .map((m) => `${m.text} ${JSON.stringify(m.blocks)}`);
    return currentCode(texts, Date.now()) ?? null;
  }

  private markRead(personId: string, channelId: string, ts: string): void {
    const marks = this.read.get(personId) ?? new Map<string, string>();
    const before = marks.get(channelId);
    if (before !== undefined && !tsBefore(before, ts)) return;
    marks.set(channelId, ts);
    this.read.set(personId, marks);
    this.file?.request(() => this.saved());
  }

  /** Slack's sidebar: a channel with news is bold, a DM or a mention carries a count. */
  private unreadFor(personId: string, dm: string, seen: EmulatedMessage[]): PageState['unread'] {
    const marks = this.read.get(personId);
    const unread: PageState['unread'] = {};
    for (const message of seen) {
      const mark = marks?.get(message.channel);
      if (mark !== undefined && !tsBefore(mark, message.ts)) continue;
      const entry = unread[message.channel] ?? { messages: 0, mentions: 0 };
      entry.messages += 1;
      if (message.channel === dm || mentions(message, personId)) entry.mentions += 1;
      unread[message.channel] = entry;
    }
    return unread;
  }

  private sendFile(res: ServerResponse, fileId: string, query: URLSearchParams): void {
    const as = query.get('as') ?? '';
    const file = SANDBOX_PEOPLE.some((p) => p.id === as) ? this.emulator.fileFor(as, fileId) : undefined;
    if (file === undefined) {
      sendJsonBody(res, 404, { error: 'no such file here' });
      return;
    }
    sendFile(res, file.filename, file.bytes);
  }
}

function isSlackEndpoint(path: string): boolean {
  // `/oauth/v2/authorize`: the consent page the app's /slack/install sends the browser to.
  return path.startsWith('/api/') || path.startsWith('/upload/') || path.startsWith('/response/') || path.startsWith('/oauth/');
}

/** A refusal worded for the person at the page. */
class UserFacing extends Error {}

function appFailure(status: number): string {
  if (status === 0) return 'The app did not answer in time (Slack gives up after 3 seconds).';
  return `The app answered with HTTP ${status}; see its log.`;
}
