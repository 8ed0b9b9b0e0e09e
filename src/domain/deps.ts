import type { StreamDeps } from './streams/model.js';
import type { LeakAction } from './leak-model.js';
import type { OutboxSignal } from './notifications.js';
import type { Store } from './ports.js';
import type { SecretHasher } from './secrets.js';
import type { RefusalSink } from './refusal-ports.js';

/** What every domain function is given by the entry point that calls it. */
export interface DomainDeps {
  store: Store;
  /** The one clock for every expiry decision (so every decision agrees on "now"); tests pass a fixed one. */
  now: () => Date;
  hasher: SecretHasher;
  defaultRoleName: string;
  /**
   * Aggregates refused attempts (a non-admin pressing Approve) into one audit record per actor, action
   * and minute. The runtime builds the integration API's recorder (src/http/usage-recorder.ts) first and passes it
   * here; unset, each is written.
   */
  refusals?: RefusalSink;
  /** LEAK_ACTION (SPEC §12): what a leaked key's sighting does to it; unset means 'inactivate'. */
  leakAction?: LeakAction;
  /** Wakes the notification worker after a change queued something (optional: tests may drive it). */
  outbox?: OutboxSignal;
  /** Event streams for SIEMs (docs/streams.md): their transport and the key sealing webhook secrets; unset, streams are refused. */
  streams?: StreamDeps;
  /** SPEC §17: how many distinct admins must approve an API-access request (API_ACCESS_APPROVALS); unset: 1. */
  apiAccessApprovals?: number;
  /** TOTP enrolment and step-up codes (docs/admin-security.md); unset: enrolment answers "not configured". */
  mfa?: MfaSettings;
}

export interface MfaSettings {
  /** MFA_ENCRYPTION_KEY: the 32-byte AES-256-GCM key the TOTP secrets are stored under. */
  key: Uint8Array;
  /** ADMIN_STEP_UP=on: deciding actions ask for a current code first. */
  stepUp: boolean;
  /** The issuer an authenticator app shows beside the account. */
  issuer: string;
}
