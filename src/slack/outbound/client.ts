import type { WebClient, WebClientOptions } from '@slack/web-api';
import type { Logger } from '../../logger.js';
import { boltLogger } from '../bolt-logger.js';
import { InstalledWebClient } from '../installations.js';

export interface BackgroundClientOptions {
  /** Looked up for every call: an OAuth installation's token rotates. */
  token: () => Promise<string>;
  apiUrl: string;
  logger: Logger;
  /** Names the client in logs ("audit-mirror", "expiry-warnings"). */
  name: string;
  /** Extra web-api options (tests point slackApiUrl at the emulator); the policy below always wins. */
  clientOptions?: Partial<WebClientOptions>;
}

/**
 * A WebClient of its own for one background worker. It never waits or retries by itself:
 * - `rejectRateLimitedCalls`: a 429 comes back at once with its Retry-After, and the worker holds off.
 *   web-api would otherwise pause its whole request queue, and a shared client would stall every
 *   user-facing call behind the audit channel's rate limit.
 * - `retries: 0`: 5xx and network errors come back at once; the worker backs off and keeps its queue
 *   row, instead of p-retry holding the call for half an hour.
 */
export function createBackgroundClient(options: BackgroundClientOptions): WebClient {
  return new InstalledWebClient(options.token, {
    slackApiUrl: options.apiUrl,
    // A few seconds: a worker holding a lease must not wait on a Slack that never answers.
    timeout: 5_000,
    ...options.clientOptions,
    logger: boltLogger(options.logger, options.name),
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
  });
}
