import type { NetworkReports } from './network-reports.js';
import type { TrustedProxies } from './client-address.js';
import type { Services } from '../domain/services.js';
import type { UsageRecorder } from './usage-recorder.js';
import type { FailureCounter, KnownClients, SharedThrottle } from './throttle.js';
import type { TokenIssuer } from './tokens.js';

/** What the integration API's routes share: built once by `createIntegrationApi`. */
export interface ApiContext {
  services: Services;
  /** The domain's clock. */
  now: () => Date;
  usage: UsageRecorder;
  /** Undefined when TOKEN_SIGNING_SECRET is unset: /login and /auth_token/extend then answer 503. */
  tokens: TokenIssuer | undefined;
  /** Whose X-Forwarded-For is believed (client-address.ts). */
  trustProxy: TrustedProxies;
  /** Failed logins and invalid tokens, per client (IPv4 address or IPv6 /64); shared by replicas. */
  authFailuresByClient: SharedThrottle;
  /** Failed logins per claimed key ID; shared by replicas. Known clients are not refused by it. */
  authFailuresByKey: SharedThrottle;
  knownClients: KnownClients;
  /** Well-formed unknown keys sent to verify, per client (in memory, per replica). */
  verifyMisses: FailureCounter;
  /** Report-only keys used from outside their networks (docs/least-privilege.md). */
  networkReports: NetworkReports;
}
