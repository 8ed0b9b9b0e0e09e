import type { Server } from 'node:http';
import type { Config } from './config.js';
import { connect } from './db/connect.js';
import { migrateToLatest } from './db/migrate.js';
import { createStore } from './db/store.js';
import { jobPorts } from './domain/background.js';
import type { DomainDeps } from './domain/deps.js';
import type { Store } from './domain/ports.js';
import { SecretHasher } from './domain/secrets.js';
import { createServices, type Services } from './domain/services.js';
import { checkPepper } from './domain/startup.js';
import { usageWriter } from './domain/usage.js';
import type { PathMount } from './http/server.js';
import { UsageRecorder } from './http/usage-recorder.js';
import { startHttp } from './http/wiring.js';
import { createLogger, type Logger } from './logger.js';
import { startNotificationWorker, startScheduler, startStreamWorker } from './scheduler/index.js';
import { StreamSecretBox } from './domain/streams/secret-box.js';
import { createStreamTransport } from './streams/index.js';
import type { NotificationSenderTuning } from './scheduler/jobs/notification-sender.js';
import { OutboxSignal } from './domain/notifications.js';
import { createSlackApp, type SlackClientOverrides, type SlackRuntime } from './slack/app.js';
import { createSlackOutbound } from './slack/outbound/index.js';
import { channelSources } from './slack/channels.js';
import { fileWitness } from './db/audit-witness-file.js';
import { settingsWitness } from './domain/audit-verify.js';
import { watchAuditTail } from './scheduler/jobs/audit-tail.js';

function installMounts(slack: SlackRuntime): PathMount[] {
  const install = slack.install;
  return install === undefined ? [] : install.paths.map((prefix) => ({ prefix, listener: install.listener }));
}

export interface RunningApp {
  services: Services;
  /** The database behind the services (tests read state through it; entry points never do). */
  store: Store;
  slack: SlackRuntime;
  server: Server;
  /** The port actually bound (PORT=0 picks a free one, as tests do). */
  port: number;
  /** The metrics port actually bound (METRICS_PORT=0 picks a free one). */
  metricsPort: number;
  logger: Logger;
  stop(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** The clock for every expiry decision; tests pass their own. */
  now?: () => Date;
  slackClientOptions?: SlackClientOverrides;
  /** Background work (cron jobs, audit mirror); tests that drive jobs by hand turn it off. */
  background?: boolean;
  /** The notification outbox's worker runs even with background work off (user-facing); tests may tune it. */
  notificationTuning?: Partial<NotificationSenderTuning>;
  /** Extra listeners on the app's port by path prefix (the local sandbox mounts itself at /sandbox). */
  mounts?: PathMount[];
}

/**
 * config → database → migrate → services → Slack app + HTTP API + background work → listening.
 * Everything `npm start` runs, in one place, so tests start exactly the same app.
 */
export async function startApp(config: Config, options: StartOptions = {}): Promise<RunningApp> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  // A lost PostgreSQL connection fails only the request using it (and is replaced); operators see it here.
  const connection = connect(config.database, { onConnectionError: (error) => logger.warn('database connection lost', { error }) });
  const stops: Array<() => Promise<void>> = [async () => connection.db.destroy()];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => logger.error('shutdown step failed', { error }));
  };
  try {
    const applied = await migrateToLatest(connection.db);
    if (applied.length > 0) logger.info('database migrated', { applied });
    const outboxSignal = new OutboxSignal();
    const store = createStore(connection);
    const now = options.now ?? (() => new Date());
    // Refused Slack actions share the API's aggregated failure windows and flusher (one mechanism), so the
    // recorder exists before the services that hand it refusals.
    const recorder = new UsageRecorder(usageWriter({ store, now }));
    const deps: DomainDeps = {
      store,
      now,
      hasher: new SecretHasher(config.keyHashPepper),
      defaultRoleName: config.defaultRole,
      outbox: outboxSignal,
      refusals: recorder,
      // Event streams (docs/streams.md) need a key to seal webhook secrets; without one they are refused.
      ...(config.streamSecretKey === undefined
        ? {}
        : { streams: { transport: createStreamTransport(), secrets: new StreamSecretBox(config.streamSecretKey) } }),
      leakAction: config.leaks.action,
      apiAccessApprovals: config.approvals.apiAccess,
      mfa: config.mfa === undefined ? undefined : { ...config.mfa, issuer: 'Access Key Bot' },
    };
    await checkPepper(deps);
    const services = createServices(deps);
    await services.users.ensureBaselineRoles();
    const admins = await services.users.bootstrapAdmins(config.bootstrapAdmins);
    if (admins.length > 0) logger.info('bootstrap admins given System Admin', { users: admins });
    // The audit tail witness (docs/operations.md, "Audit verification"): checked now, moved forward while running.
    stops.push(
      await watchAuditTail(
        services,
        config.auditWitnessFile === undefined ? settingsWitness(deps.store.settings) : fileWitness(config.auditWitnessFile),
        logger,
      ),
    );

    const slack = await createSlackApp({ config, services, now: deps.now, logger, clientOptions: options.slackClientOptions });
    // The integration API (docs/http-api.md), /healthz and Slack's endpoint on PORT; /metrics on METRICS_PORT.
    const http = await startHttp({
      services,
      recorder,
      now: deps.now,
      logger,
      tokenSigningSecret: config.tokenSigningSecret,
      trustProxy: config.trustProxy,
      trustProxyCidrs: config.trustProxyCidrs,
      metricsToken: config.metrics.token,
      leakIntake: { githubKeysUrl: config.leaks.githubKeysUrl, intakeToken: config.leaks.intakeToken },
      usageRetentionMs: config.usageRetentionMs,
      port: config.port,
      host: config.host,
      metricsPort: config.metrics.port,
      metricsHost: config.metrics.host,
      slackRequestListener: slack.requestListener,
      // OAuth install: /slack/install and /slack/oauth_redirect are Bolt's installer (docs/org-install.md).
      mounts: [...(options.mounts ?? []), ...installMounts(slack)],
    });
    stops.push(() => http.stop());
    const { server, port, metricsPort } = http;
    await slack.start();
    stops.push(() => slack.stop());
    const outbound = createSlackOutbound({
      config,
      logger,
      clientOptions: options.slackClientOptions,
      botToken: slack.botToken,
      channels: channelSources(services, config),
    });
    // User-facing notifications (decision DMs, cards, role-deletion DMs, stale notices, secret-file deletion,
    // key API owner DMs, undelivered-key DMs, compromised-key DMs).
    // The jobs drive the store's queues and markers through the domain's ports; audited steps go through services.
    const ports = jobPorts(store, now);
    const notificationWorker = startNotificationWorker({
      services,
      ports,
      logger,
      channel: outbound.notifications,
      staleKeyAutoInactiveAfterMs: config.notifications.staleKeyAutoInactiveAfterMs,
      tuning: options.notificationTuning,
    });
    outboxSignal.onWake(() => notificationWorker.wake());
    stops.push(() => notificationWorker.stop());
    // Background work (expiry warnings, the audit mirror) starts here when options.background !== false.
    if (options.background !== false) {
      const scheduler = startScheduler({
        services,
        ports,
        logger,
        expiryCheckCron: config.expiryCheckCron,
        expiryWarningDays: config.expiryWarningDays,
        auditChannel: outbound.auditChannel,
        warningDm: outbound.warningDm,
        expireAccessRequests: true,
        sweepUndelivered: true,
        periodic: { ...config.notifications, wake: () => notificationWorker.wake() },
        ownerReconcile: { cron: config.ownerReconcileCron, directory: outbound.directory },
      });
      stops.push(() => scheduler.stop());
      if (deps.streams !== undefined) {
        const streams = startStreamWorker({ services, ports, logger });
        stops.push(() => streams.stop());
      }
    }

    logger.info('access key bot started', {
      port,
      metricsPort,
      mode: config.sandbox ? 'sandbox' : config.slack.socketMode ? 'socket' : 'http',
      database: config.database.kind,
    });
    return { services, store: deps.store, slack, server, port, metricsPort, logger, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
