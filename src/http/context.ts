import type { Services } from '../domain/services.js';
import type { UsageRecorder } from '../domain/usage.js';
import type { FailureCounter, KnownClients } from './throttle.js';
import type { TokenIssuer } from './tokens.js';

/** What the integration API's routes share: built once by `createIntegrationApi`. */
export interface ApiContext {
  services: Services;
  usage: UsageRecorder;
  /** Undefined when TOKEN_SIGNING_SECRET is unset: /login and /auth_token/extend then answer 503. */
  tokens: TokenIssuer | undefined;
  trustProxy: boolean;
  /** Failed logins and invalid tokens, per client (IPv4 address or IPv6 /64). */
  authFailuresByClient: FailureCounter;
  /** Failed logins per claimed key ID, from clients not known to hold that key. */
  authFailuresByKey: FailureCounter;
  knownClients: KnownClients;
  /** Well-formed unknown keys sent to verify, per client. */
  verifyMisses: FailureCounter;
}
