/**
 * A hook in front of every endpoint the emulator serves (Web API methods, 'upload', 'response_url').
 * The sandbox installs none; the test suite installs one that scripts rate limits, outages and errors.
 */
export type InterceptOutcome = { kind: 'ratelimited'; retryAfterSec: number } | { kind: 'http500' } | { kind: 'error'; error: string };

export interface CallInterceptor {
  /** Runs before the endpoint does its work; may wait, and may answer in its place. */
  before(endpoint: string): Promise<InterceptOutcome | undefined>;
  /** Runs after the endpoint did its work, before the answer goes out; may wait (a slow answer to a call that took effect). */
  after?(endpoint: string): Promise<void>;
}

export const NO_INTERCEPTOR: CallInterceptor = { before: async () => undefined };
