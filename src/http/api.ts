import { NetworkReports } from './network-reports.js';
import { trustedProxies } from './client-address.js';
import type { Registry } from 'prom-client';
import type { Services } from '../domain/services.js';
import { UsageRecorder, type FlushResult, type UsageRecorderOptions } from './usage-recorder.js';
import type { Logger } from '../logger.js';
import type { ApiContext } from './context.js';
import { extendTokenRoute, loginRoute } from './login.js';
import { bearerProtected, createApiMetrics } from './metrics.js';
import { prismaKeyRoutes } from './prisma-cloud/routes.js';
import { healthRoute } from './health.js';
import type { Route } from './route.js';
import type { HttpObserver } from './server.js';
import { FailureCounter, KnownClients, SharedThrottle, type ThrottleRule } from './throttle.js';
import { TokenIssuer } from './tokens.js';
import { verifyRoute } from './verify.js';
import { githubScanningRoute, gitlabRevocationRoutes } from './leak-intake.js';
import { GithubScanningKeys } from './scanning-keys.js';

export interface ThrottleLimits {
  /** Failed logins and invalid tokens per client. */
  authPerClient: ThrottleRule;
  /** Failed logins per claimed key ID (clients that logged in with the key recently are exempt). */
  authPerKey: ThrottleRule;
  /** Well-formed unknown keys sent to verify, per client. */
  verifyMissesPerClient: ThrottleRule;
}

const MINUTE = 60_000;
export const defaultLimits: ThrottleLimits = {
  authPerClient: { limit: 10, windowMs: MINUTE },
  authPerKey: { limit: 10, windowMs: MINUTE },
  // Verify callers are usually backends relaying their own users' keys, so they get more room than a
  // login, yet still far below 100 guesses a minute: brute force must be throttled long before that.
  verifyMissesPerClient: { limit: 60, windowMs: MINUTE },
};
/** How long a client that logged in with a key stays exempt from that key's failure lock. */
const KNOWN_CLIENT_TTL_MS = 24 * 60 * MINUTE;

export interface IntegrationApiOptions {
  services: Services;
  /** The domain's clock: token lifetimes, throttle windows and usage times agree with its decisions. */
  now: () => Date;
  logger: Logger;
  /** Unset: /login and /auth_token/extend answer 503 and a warning is logged once, here. */
  tokenSigningSecret: string | undefined;
  /**
   * Take the client address from the right-most X-Forwarded-For entry. Only behind a reverse proxy
   * that sets it; otherwise clients could pick their own address and dodge throttling.
   */
  trustProxy?: boolean;
  /**
   * The proxies (CIDRs) whose X-Forwarded-For is believed (client-address.ts); wins over `trustProxy`,
   * which alone means loopback and private ranges. A forged header from anyone else is ignored.
   */
  trustProxyCidrs?: readonly string[];
  /** How often coalesced last-used times and auth failures are written; 0 = never by timer (tests). */
  flushIntervalMs?: number;
  limits?: Partial<ThrottleLimits>;
  usage?: UsageRecorderOptions;
  /**
   * The recorder the domain's refusals already go to (runtime.ts builds it before the services, so
   * refused Slack actions and failed API logins share one set of windows). Unset: built here.
   */
  recorder?: UsageRecorder;
  /** Set: GET /metrics is also served among `routes` (the public port), behind this bearer token. */
  metricsToken?: string;
  /**
   * The leak response's intake (docs/leak-response.md): GITHUB_SCANNING_KEYS_URL for POST /scanning/github
   * (unset: GitHub's own), and LEAK_INTAKE_TOKEN, without which GitLab's revocation routes do not exist.
   */
  leakIntake?: { githubKeysUrl?: string; intakeToken?: string; fetch?: typeof fetch };
  /** USAGE_RETENTION: per-key usage counters older than this are pruned on the flusher's beat (default 90 days). */
  usageRetentionMs?: number;
}

export interface IntegrationApi {
  /** The public port's routes, /healthz included. /metrics is among them only with a metrics token. */
  routes: Route[];
  /** GET /metrics without any guard, for the metrics port (loopback by default). */
  metricsRoute: Route;
  /** Pass to `createHttpServer` so every route (and Slack's) is counted and timed. */
  observer: HttpObserver;
  registry: Registry;
  usage: UsageRecorder;
  /** Report-only network notices in flight (tests wait on `settled()`). */
  networkReports: NetworkReports;
  /** Writes what is due now (or everything); errors are logged and counted, never thrown. */
  flushUsage(options?: { all?: boolean }): Promise<FlushResult | undefined>;
  /** Stops the flusher and writes everything still pending. */
  stop(): Promise<void>;
}

/** docs/http-api.md: /healthz, POST /login, GET /auth_token/extend, POST /v1/keys/verify, the key API and GET /metrics. */
export function createIntegrationApi(options: IntegrationApiOptions): IntegrationApi {
  const { services, logger } = options;
  const nowMs = () => options.now().getTime();
  const limits = { ...defaultLimits, ...options.limits };
  const usage = options.recorder ?? new UsageRecorder(services.usage, options.usage);
  if (options.tokenSigningSecret === undefined) {
    logger.warn(
      'TOKEN_SIGNING_SECRET is unset: POST /login and GET /auth_token/extend will answer 503 until it is set (key verification works without it)',
    );
  }
  const api: ApiContext = {
    services,
    now: options.now,
    usage,
    tokens: options.tokenSigningSecret === undefined ? undefined : new TokenIssuer(options.tokenSigningSecret, options.now),
    trustProxy: trustedProxies(options.trustProxy, options.trustProxyCidrs),
    authFailuresByClient: new SharedThrottle('auth:client', limits.authPerClient, services.integration.throttleCounters, nowMs),
    authFailuresByKey: new SharedThrottle('auth:key', limits.authPerKey, services.integration.throttleCounters, nowMs),
    knownClients: new KnownClients(KNOWN_CLIENT_TTL_MS, nowMs),
    verifyMisses: new FailureCounter(limits.verifyMissesPerClient, nowMs),
    networkReports: new NetworkReports(services, nowMs, logger),
  };
  const metrics = createApiMetrics(services, usage);
  const githubKeys = new GithubScanningKeys({
    url: options.leakIntake?.githubKeysUrl ?? 'https://api.github.com/meta/public_keys/secret_scanning',
    nowMs,
    logger,
    ...(options.leakIntake?.fetch === undefined ? {} : { fetch: options.leakIntake.fetch }),
  });

  const flushUsage = async (flushOptions: { all?: boolean } = {}): Promise<FlushResult | undefined> => {
    try {
      const { anomalyError, ...result } = await usage.flush(flushOptions);
      if (anomalyError !== undefined)
        logger.warn('checking usage anomalies failed; the counters are written, the next flush checks again', { error: anomalyError });
      if (result.firstUses > 0 || result.failureRecords > 0 || result.anomalies > 0) logger.info('key usage written', { ...result });
      return result;
    } catch (error) {
      metrics.flushFailures.inc();
      logger.error('writing key usage failed; it stays in memory for the next flush', { error });
      return undefined;
    }
  };

  /** Ended throttle windows are deleted on the flusher's beat; a failure only leaves rows for the next one. */
  const pruneThrottle = async (): Promise<void> => {
    try {
      await services.integration.throttleCounters.prune(nowMs());
    } catch (error) {
      logger.warn('pruning ended throttle windows failed; the next flush tries again', { error });
    }
  };

  const usageRetentionMs = options.usageRetentionMs ?? 90 * 86_400_000;
  let lastUsagePruneMs = 0;
  /** Old usage counters go at most once an hour (they are hourly rows); a failure only waits for the next beat. */
  const pruneUsage = async (): Promise<void> => {
    if (nowMs() - lastUsagePruneMs < 3_600_000) return;
    lastUsagePruneMs = nowMs();
    try {
      await services.usage.pruneUsageCounts(usageRetentionMs);
    } catch (error) {
      lastUsagePruneMs = 0;
      logger.warn('pruning old usage counters failed; the next flush tries again', { error });
    }
  };

  const intervalMs = options.flushIntervalMs ?? 10_000;
  // unref: a pending flush never keeps a stopping process alive; stop() does the final flush itself.
  const timer =
    intervalMs > 0
      ? setInterval(() => {
          void flushUsage();
          void pruneThrottle();
          void pruneUsage();
        }, intervalMs).unref()
      : undefined;

  return {
    // Every route of the public port, declared in one list (src/http/README.md: how to add one).
    routes: [
      healthRoute(services),
      loginRoute(api),
      extendTokenRoute(api),
      verifyRoute(api),
      // Prisma Cloud's key API (src/http/prisma-cloud/).
      ...prismaKeyRoutes(api),
      // The leak response's intake from scanners (docs/leak-response.md).
      githubScanningRoute(api, githubKeys),
      ...gitlabRevocationRoutes(api, options.leakIntake?.intakeToken),
      ...(options.metricsToken === undefined ? [] : [bearerProtected(metrics.route, options.metricsToken)]),
    ],
    metricsRoute: metrics.route,
    observer: metrics.observer,
    registry: metrics.registry,
    usage,
    networkReports: api.networkReports,
    flushUsage,
    async stop() {
      if (timer !== undefined) clearInterval(timer);
      await api.networkReports.settled();
      const result = await flushUsage({ all: true });
      if (result === undefined)
        logger.error('key usage could not be written at stop', {
          pendingKeys: usage.pendingKeys,
          pendingFailureWindows: usage.pendingFailureWindows,
        });
    },
  };
}
