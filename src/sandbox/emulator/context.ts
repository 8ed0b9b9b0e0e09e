import type { EmulatorClock } from './clock.js';
import type { IdMinter } from './ids.js';
import type { JsonObject } from './json.js';
import type { Store } from './store.js';
import type { EmulatorConfig, InstallTarget } from './types.js';

/** What every part of the emulator needs: configuration, state, ids and time. */
export interface EmulatorContext {
  readonly config: EmulatorConfig;
  readonly store: Store;
  readonly ids: IdMinter;
  readonly clock: EmulatorClock;
  /** e.g. http://127.0.0.1:4100 (no trailing slash). */
  baseUrl(): string;
  /** Set while a Web API call runs with a workflow step's token: the step's execution. */
  readonly callerExecutionId?: string;
  /** Set while a Web API call runs with a token issued by an OAuth install: whose install it is. */
  readonly callerInstall?: InstallTarget;
}

export type MethodHandler = (args: JsonObject, ctx: EmulatorContext) => JsonObject;

export interface MethodSpec {
  /** Slack rejects a bot token on app-level methods and vice versa with not_allowed_token_type; `none`: client id and secret instead (oauth.v2.access). */
  token: 'bot' | 'app' | 'none';
  handle: MethodHandler;
}

export function ok(body: JsonObject = {}): JsonObject {
  return { ok: true, ...body };
}

export function fail(error: string, messages?: string[]): JsonObject {
  const body: JsonObject = { ok: false, error };
  if (messages !== undefined && messages.length > 0) body.response_metadata = { messages };
  return body;
}

/** Slack's wording for a missing argument on methods that report it via invalid_arguments. */
export function missingField(name: string): JsonObject {
  return fail('invalid_arguments', [`[ERROR] missing required field: ${name}`]);
}
