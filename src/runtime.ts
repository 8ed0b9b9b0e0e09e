import type { Server } from 'node:http';
import type { Config } from './config.js';
import { connect } from './db/connect.js';
import { migrateToLatest } from './db/migrate.js';
import { createStore } from './db/store.js';
import type { DomainDeps } from './domain/deps.js';
import { SecretHasher } from './domain/secrets.js';
import { createServices, type Services } from './domain/services.js';
import { checkPepper } from './domain/startup.js';
import { createIntegrationApi } from './http/api.js';
import { healthRoute } from './http/health.js';
import { createHttpServer, listen, type Route } from './http/server.js';
import { createLogger, type Logger } from './logger.js';
import { startScheduler } from './scheduler/index.js';
import { createSlackApp, type SlackClientOverrides, type SlackRuntime } from './slack/app.js';
import { createSlackOutbound } from './slack/outbound/index.js';

export interface RunningApp {
  services: Services;
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
}

/**
 * config → database → migrate → services → Slack app + HTTP API + background work → listening.
 * Everything `npm start` runs, in one place, so tests start exactly the same app.
 */
export async function startApp(config: Config, options: StartOptions = {}): Promise<RunningApp> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const connection = connect(config.database);
  const stops: Array<() => Promise<void>> = [async () => connection.db.destroy()];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => logger.error('shutdown step failed', { error }));
  };
  try {
    const applied = await migrateToLatest(connection.db);
    if (applied.length > 0) logger.info('database migrated', { applied });
    const deps: DomainDeps = {
      store: createStore(connection),
      now: options.now ?? (() => new Date()),
      hasher: new SecretHasher(config.keyHashPepper),
      defaultRoleName: config.defaultRole,
    };
    await checkPepper(deps);
    const services = createServices(deps);
    await services.users.ensureBaselineRoles();
    const admins = await services.users.bootstrapAdmins(config.bootstrapAdmins);
    if (admins.length > 0) logger.info('bootstrap admins given System Admin', { users: admins });

    const slack = await createSlackApp({ config, services, logger, clientOptions: options.slackClientOptions });
    const routes: Route[] = [healthRoute(services)];
    // The integration API (SPEC §6) adds its routes here.
    const api = createIntegrationApi({ services, logger, tokenSigningSecret: config.tokenSigningSecret, trustProxy: config.trustProxy, metricsToken: config.metrics.token });
    routes.push(...api.routes);
    // Pushed before the server's close step, so it runs after it: no request can add a use after the last flush.
    stops.push(() => api.stop());

    const server = createHttpServer({ routes, slackRequestListener: slack.requestListener, logger, observer: api.observer });
    const port = await listen(server, config.port);
    stops.push(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    // /metrics on its own port (loopback by default), through the same dispatcher.
    const metricsServer = createHttpServer({ routes: [api.metricsRoute], logger });
    const metricsPort = await listen(metricsServer, config.metrics.port, config.metrics.host);
    stops.push(async () => {
      metricsServer.closeAllConnections();
      await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
    });
    await slack.start();
    stops.push(() => slack.stop());
    // Background work (expiry warnings, the audit mirror) starts here when options.background !== false.
    if (options.background !== false) {
      const outbound = createSlackOutbound({ config, logger, clientOptions: options.slackClientOptions });
      const scheduler = startScheduler({
        store: deps.store,
        now: deps.now,
        logger,
        expiryCheckCron: config.expiryCheckCron,
        expiryWarningDays: config.expiryWarningDays,
        auditChannel: outbound.auditChannel,
        warningDm: outbound.warningDm,
        accessRequests: {
          expire: () => services.access.expireRequests(),
          rolesOf: async (userId) => (await services.users.context(userId)).roles.map((r) => r.name),
          notifier: outbound.accessRequests,
        },
      });
      stops.push(() => scheduler.stop());
    }

    logger.info('access key bot started', { port, metricsPort, mode: config.slack.socketMode ? 'socket' : 'http', database: config.database.kind });
    return { services, slack, server, port, metricsPort, logger, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
