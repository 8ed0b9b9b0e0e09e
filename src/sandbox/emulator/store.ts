import type { JsonObject } from './json.js';
import type {
  AddChannelInput,
  AddUserInput,
  ApiCall,
  EmulatedChannel,
  EmulatedMessage,
  EmulatedUser,
  FunctionExecution,
  InstallTarget,
  IssuedToken,
  LateAck,
  MessageSource,
  ResponseUrlPost,
  SlackView,
} from './types.js';
import type { IdMinter } from './ids.js';

export interface TriggerRecord {
  id: string;
  userId: string;
  mintedAt: number;
  used: boolean;
}

export interface ViewRecord {
  view: SlackView;
  userId: string;
  open: boolean;
  errors: Record<string, string> | undefined;
}

export interface StoredFile {
  id: string;
  uploadId: string;
  filename: string;
  title: string;
  declaredLength: number;
  altText: string | undefined;
  snippetType: string | undefined;
  bytes: Buffer | undefined;
  completed: boolean;
  channels: string[];
  initialComment: string | undefined;
  threadTs: string | undefined;
  createdAt: number;
}

export interface MessageOrigin {
  kind: 'channel' | 'ephemeral';
  channel: string;
  ts: string;
}

export interface ResponseUrlRecord {
  id: string;
  url: string;
  channelId: string;
  userId: string;
  createdAt: number;
  uses: number;
  /** The message replace_original/delete_original act on; for a command, the latest reply. */
  origin: MessageOrigin | undefined;
}

export interface NewMessage {
  kind: 'channel' | 'ephemeral';
  channel: string;
  recipient?: string;
  text: string;
  blocks: JsonObject[];
  attachments?: unknown;
  threadTs?: string;
  metadata?: unknown;
  files?: string[];
  source: MessageSource;
  /** A person's message; unset, the bot's. */
  user?: string;
  functionExecutionId?: string;
}

/** All mutable emulator state. Web API handlers and inbound senders share one instance. */
export class Store {
  readonly users = new Map<string, EmulatedUser>();
  readonly channels = new Map<string, EmulatedChannel>();
  readonly dmByUser = new Map<string, string>();
  readonly messages: EmulatedMessage[] = [];
  readonly views = new Map<string, ViewRecord>();
  /** Open modal stack per user, bottom first. */
  readonly stacks = new Map<string, string[]>();
  readonly homeViews = new Map<string, string>();
  readonly files = new Map<string, StoredFile>();
  readonly uploads = new Map<string, string>();
  readonly triggers = new Map<string, TriggerRecord>();
  readonly responseUrls = new Map<string, ResponseUrlRecord>();
  readonly socketTickets = new Set<string>();
  /** Workflow step executions by function_execution_id, and their tokens. */
  readonly functionExecutions = new Map<string, FunctionExecution>();
  readonly functionTokens = new Map<string, string>();
  /** OAuth: tokens issued by oauth.v2.access, refresh tokens, and authorization codes not yet exchanged. */
  readonly issuedTokens = new Map<string, IssuedToken>();
  readonly refreshTokens = new Map<string, InstallTarget>();
  readonly oauthCodes = new Map<string, { target: InstallTarget; redirectUri: string | undefined; used: boolean }>();
  /** The app's current OAuth installation (the last code exchanged): payloads then carry its organisation. */
  installation: InstallTarget | undefined;
  /** Workspaces of the organisation besides the emulator's own (id → name, domain), and the one users act in now. */
  readonly workspaces = new Map<string, { id: string; name: string; domain: string }>();
  currentTeamId: string | undefined;
  readonly calls: ApiCall[] = [];
  readonly responseUrlPosts: ResponseUrlPost[] = [];
  /** Every body the app sent back as an ack, for allText(). */
  readonly ackBodies: unknown[] = [];
  readonly lateAcks: LateAck[] = [];
  /** Things real Slack would reject that do not surface as an API error (bad ack bodies, ...). */
  readonly problems: string[] = [];

  constructor(
    private readonly ids: IdMinter,
    private readonly botUserId: string,
    /** How many entries each record list keeps (a long-running sandbox must not grow without end). */
    private readonly recordLimit = Number.POSITIVE_INFINITY,
    /** Told about every problem as it happens (the sandbox logs them). */
    private readonly onProblem: (problem: string) => void = () => undefined,
  ) {}

  /** Appends to a record list, dropping the oldest entries beyond the limit. */
  record<T>(list: T[], entry: T): void {
    list.push(entry);
    if (list.length > this.recordLimit) list.splice(0, list.length - this.recordLimit);
  }

  problem(text: string): void {
    this.record(this.problems, text);
    this.onProblem(text);
  }

  /**
   * Forgets trigger_ids and response_urls too old to be used (a sandbox that runs for days). Tests keep
   * them, so an expired one still answers `expired_*` rather than `invalid_*`.
   */
  pruneExpired(now: number, triggerTtlMs: number, responseUrlTtlMs: number): void {
    for (const [id, trigger] of this.triggers) if (now - trigger.mintedAt > triggerTtlMs * 10) this.triggers.delete(id);
    for (const [id, url] of this.responseUrls) if (now - url.createdAt > responseUrlTtlMs * 2) this.responseUrls.delete(id);
  }

  addUser(input: AddUserInput): EmulatedUser {
    const user: EmulatedUser = {
      id: input.id,
      name: input.name,
      realName: input.realName ?? input.name,
      email: input.email ?? `${input.name}@example.com`,
      tz: input.tz ?? 'UTC',
      isAdmin: input.isAdmin ?? false,
      isOwner: input.isOwner ?? false,
      isBot: input.isBot ?? false,
      deleted: input.deleted ?? false,
    };
    this.users.set(user.id, user);
    return user;
  }

  userName(userId: string): string {
    return this.users.get(userId)?.name ?? userId.toLowerCase();
  }

  addChannel(input: AddChannelInput): EmulatedChannel {
    const channel: EmulatedChannel = {
      id: input.id,
      name: input.name,
      members: input.members,
      isPrivate: input.isPrivate ?? false,
      botIsMember: input.botIsMember ?? true,
      isIm: false,
      imUser: undefined,
    };
    this.channels.set(channel.id, channel);
    return channel;
  }

  /** The bot's DM with a user; Slack keeps one per user, so the id is stable. */
  openDm(userId: string): EmulatedChannel {
    const existing = this.dmByUser.get(userId);
    const known = existing === undefined ? undefined : this.channels.get(existing);
    if (known !== undefined) return known;
    const channel: EmulatedChannel = {
      id: this.ids.id('D'),
      name: userId,
      members: [userId],
      isPrivate: true,
      botIsMember: true,
      isIm: true,
      imUser: userId,
    };
    this.channels.set(channel.id, channel);
    this.dmByUser.set(userId, channel.id);
    return channel;
  }

  /** chat.postMessage accepts a user id as channel and posts into the DM with that user. */
  resolveChannel(idOrUser: string): EmulatedChannel | undefined {
    const channel = this.channels.get(idOrUser);
    if (channel !== undefined) return channel;
    if (this.users.has(idOrUser)) return this.openDm(idOrUser);
    return undefined;
  }

  isMember(channel: EmulatedChannel, userId: string): boolean {
    return channel.members === undefined || channel.members.includes(userId);
  }

  addMessage(input: NewMessage): EmulatedMessage {
    const message: EmulatedMessage = {
      kind: input.kind,
      channel: input.channel,
      ts: this.ids.messageTs(),
      user: input.user ?? this.botUserId,
      recipient: input.recipient,
      text: input.text,
      blocks: input.blocks,
      attachments: input.attachments,
      threadTs: input.threadTs,
      metadata: input.metadata,
      files: input.files ?? [],
      source: input.source,
      deleted: false,
      revisions: [],
      ...(input.functionExecutionId === undefined ? {} : { functionExecutionId: input.functionExecutionId }),
    };
    this.messages.push(message);
    return message;
  }

  findMessage(origin: MessageOrigin): EmulatedMessage | undefined {
    return this.messages.find((m) => m.kind === origin.kind && m.channel === origin.channel && m.ts === origin.ts && !m.deleted);
  }

  /** Any live message (channel or ephemeral) with this ts in this channel. */
  findByTs(channel: string, ts: string): EmulatedMessage | undefined {
    return this.messages.find((m) => m.channel === channel && m.ts === ts && !m.deleted);
  }

  reviseMessage(message: EmulatedMessage, change: { text: string; blocks: JsonObject[] }, via: string, at: number): void {
    message.revisions.push({ text: message.text, blocks: message.blocks, at, via });
    message.text = change.text;
    message.blocks = change.blocks;
  }

  openStack(userId: string): string[] {
    return (this.stacks.get(userId) ?? []).filter((id) => this.views.get(id)?.open === true);
  }

  closeView(viewId: string): void {
    const record = this.views.get(viewId);
    if (record === undefined) return;
    record.open = false;
    const stack = this.stacks.get(record.userId) ?? [];
    this.stacks.set(
      record.userId,
      stack.filter((id) => id !== viewId),
    );
  }

  clearStack(userId: string): void {
    for (const id of this.stacks.get(userId) ?? []) {
      const record = this.views.get(id);
      if (record !== undefined) record.open = false;
    }
    this.stacks.set(userId, []);
  }
}
