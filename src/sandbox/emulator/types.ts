import type { JsonObject } from './json.js';
import type { StateValues, UserInput } from './elements.js';

export type { JsonObject } from './json.js';
export type { StateValues, UserInput } from './elements.js';

export interface EmulatorOptions {
  botToken?: string;
  appToken?: string;
  signingSecret?: string;
  /** Legacy verification token placed in payloads (Bolt ignores it). */
  verificationToken?: string;
  teamId?: string;
  teamDomain?: string;
  teamName?: string;
  appId?: string;
  botUserId?: string;
  botId?: string;
  botName?: string;
  /** Slash command name used by sendSlashCommand when the call does not name one. */
  command?: string;
  /** Channel that exists from the start and that slash commands come from by default. */
  defaultChannel?: { id: string; name: string };
  /** Source of "now" in ms. Expiry rules use this plus any advanceClock() offset. */
  clock?: () => number;
  /** trigger_id lifetime; Slack's is 3 s. */
  triggerTtlMs?: number;
  /** Acks slower than this are recorded in lateAcks; Slack's deadline is 3 s. */
  ackDeadlineMs?: number;
  /** How long a sender waits for any answer before giving up with status 0. */
  ackTimeoutMs?: number;
  /** response_url limits: 5 uses within 30 minutes. */
  responseUrlMaxUses?: number;
  responseUrlTtlMs?: number;
  /** OAuth install (oauth.v2.access): the app's client id and secret. */
  clientId?: string;
  clientSecret?: string;
  /** Token rotation on: installs answer `refresh_token` and `expires_in` (seconds), tokens expire. */
  tokenRotation?: boolean;
  tokenLifetimeSec?: number;
  /** Where the authorize page sends the browser when the app names no redirect_uri (the app's configured Redirect URL). */
  oauthRedirectUri?: string;
}

/** Who approves the next install on the authorize page: a workspace, or an Enterprise org (org-wide). */
export interface InstallTarget {
  teamId: string;
  teamName: string;
  enterpriseId: string | null;
  enterpriseName: string | null;
  isEnterpriseInstall: boolean;
  /** The installing user. */
  userId: string;
}

/** A token the emulator issued by OAuth (install or refresh). */
export interface IssuedToken {
  token: string;
  target: InstallTarget;
  /** Emulator-clock ms; undefined without token rotation. */
  expiresAt: number | undefined;
  revoked: boolean;
}

export type EmulatorConfig = Required<Omit<EmulatorOptions, 'clock'>>;

export interface AddUserInput {
  id: string;
  name: string;
  realName?: string;
  email?: string;
  /** IANA zone; Slack always has one, we default to UTC. */
  tz?: string;
  isAdmin?: boolean;
  isOwner?: boolean;
  isBot?: boolean;
  deleted?: boolean;
}

export interface EmulatedUser {
  id: string;
  name: string;
  realName: string;
  email: string;
  tz: string;
  isAdmin: boolean;
  isOwner: boolean;
  isBot: boolean;
  deleted: boolean;
}

export interface AddChannelInput {
  id: string;
  name: string;
  /** Who is in the channel; omitted means everybody (no user_not_in_channel errors). */
  members?: string[];
  isPrivate?: boolean;
  /** When false, posting answers not_in_channel. */
  botIsMember?: boolean;
}

export interface EmulatedChannel {
  id: string;
  name: string;
  members: string[] | undefined;
  isPrivate: boolean;
  botIsMember: boolean;
  isIm: boolean;
  /** The other party of a DM. */
  imUser: string | undefined;
}

export type MessageSource =
  | 'chat.postMessage'
  | 'chat.postEphemeral'
  | 'response_url'
  | 'command_ack'
  | 'files.completeUploadExternal'
  /** A person's own message, typed in a conversation (delivered to the app as a `message` event). */
  | 'user_message';

export interface MessageRevision {
  text: string;
  blocks: JsonObject[];
  at: number;
  via: string;
}

export interface EmulatedMessage {
  kind: 'channel' | 'ephemeral';
  channel: string;
  ts: string;
  /** Author: the bot user, or the person who typed it (`source: 'user_message'`). */
  user: string;
  /** The only user who sees an ephemeral message. */
  recipient: string | undefined;
  text: string;
  blocks: JsonObject[];
  attachments: unknown;
  threadTs: string | undefined;
  metadata: unknown;
  files: string[];
  source: MessageSource;
  deleted: boolean;
  /** Earlier versions, oldest first (chat.update / replace_original). */
  revisions: MessageRevision[];
  /** Posted with a workflow step's token: clicks on it carry `function_data` (Slack's function-originated messages). */
  functionExecutionId?: string;
}

/** A workflow step parameter as Slack's `function_executed` event describes it (`function.input_parameters[]`). */
export interface FunctionParameter {
  name: string;
  type: string;
  title?: string;
  description?: string;
  is_required?: boolean;
}

/** What `sendFunctionExecuted` runs: the step's callback id and inputs, and its declared parameters. */
export interface FunctionExecutedInput {
  callbackId: string;
  inputs: JsonObject;
  title?: string;
  description?: string;
  inputParameters?: FunctionParameter[];
  outputParameters?: FunctionParameter[];
}

/** One step execution: running until the app calls functions.completeSuccess or functions.completeError. */
export interface FunctionExecution {
  id: string;
  workflowExecutionId: string;
  callbackId: string;
  inputs: JsonObject;
  /** The step's own bot token (`bot_access_token`), accepted as a bot token by every method. */
  token: string;
  outputParameters: FunctionParameter[];
  state: 'running' | 'completed' | 'failed';
  outputs?: JsonObject;
  error?: string;
}

export interface TextObject {
  type: string;
  text: string;
  emoji?: boolean;
}

export interface SlackView {
  id: string;
  team_id: string;
  type: 'modal' | 'home';
  title: TextObject | null;
  submit: TextObject | null;
  close: TextObject | null;
  blocks: JsonObject[];
  private_metadata: string;
  callback_id: string;
  external_id: string;
  state: { values: StateValues };
  hash: string;
  clear_on_close: boolean;
  notify_on_close: boolean;
  root_view_id: string | null;
  previous_view_id: string | null;
  app_id: string;
  bot_id: string;
  app_installed_team_id: string;
}

export interface ApiCall {
  /** Web API method, or 'upload' for the file upload URL. */
  method: string;
  /** Arguments with JSON-string arguments (blocks, view, files, ...) parsed back into values. */
  args: JsonObject;
  response: unknown;
  status: number;
  at: number;
}

export interface ResponseUrlPost {
  id: string;
  url: string;
  body: unknown;
  status: number;
  at: number;
}

export interface SharedFile {
  id: string;
  filename: string;
  title: string;
  channel: string;
  content: string;
  bytes: Buffer;
  initialComment: string | undefined;
  threadTs: string | undefined;
}

export interface LateAck {
  kind: string;
  ackMs: number;
  at: number;
}

export interface AckResult {
  /** HTTP status of the app's answer; 200 for a Socket Mode ack; 0 when nothing came back in time. */
  status: number;
  /** Parsed JSON, text, or undefined when the ack was empty. */
  body: unknown;
  ackMs: number;
  transport: 'http' | 'socket';
  /** The payload the emulator delivered. */
  payload: JsonObject;
}

export interface CommandAck extends AckResult {
  responseUrl: string;
  triggerId: string;
}

export interface InteractionAck extends AckResult {
  responseUrl: string | undefined;
  triggerId: string | undefined;
}

export interface SlashCommandInput {
  userId: string;
  text?: string;
  channelId?: string;
  command?: string;
}

export type BlockActionContainer =
  | { type: 'message'; channelId: string; messageTs: string; isEphemeral?: boolean }
  | { type: 'view'; viewId: string };

export interface BlockActionInput {
  userId: string;
  actionId: string;
  blockId?: string;
  /** Button value filter, or the option value to select. */
  value?: string;
  selectedOption?: { text?: string; value: string };
  container: BlockActionContainer;
  responseUrl?: string;
}

export interface ClickInput {
  userId: string;
  actionId: string;
  /** Picks among several elements with this action_id (button value / option value), and selects that option. */
  value?: string;
  blockId?: string;
  /** Explicit input for non-button elements (dates, multi-selects ...). */
  input?: UserInput;
  /** A recorded message to click in; otherwise located by channelId+messageTs or searched. */
  message?: EmulatedMessage;
  channelId?: string;
  messageTs?: string;
  /** Use this response_url instead of minting a fresh one. */
  responseUrl?: string;
}

export interface ViewClickInput {
  userId: string;
  actionId: string;
  viewId?: string;
  value?: string;
  blockId?: string;
  input?: UserInput;
  /** Current user input in the view's other elements, by action_id. */
  inputs?: Record<string, UserInput>;
  /** The same as ready-made state values, block_id → action_id. */
  values?: StateValues;
}

export interface ViewSubmissionInput {
  userId: string;
  /** Defaults to the user's top open modal. */
  viewId?: string;
  /** Fully shaped state values, block_id -> action_id -> value object, as Slack sends view state. */
  values?: StateValues;
  /** Friendly input by action_id; the emulator shapes it for the element type. */
  inputs?: Record<string, UserInput>;
}

export interface RawRequest {
  body: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** Default true: sign with the configured secret and the current time. */
  sign?: boolean | { timestamp?: number | string; secret?: string };
}

export interface RawResponse {
  status: number;
  body: unknown;
  headers: Record<string, string>;
  ackMs: number;
}
